"""KYC: unverified → verified / rejected by Loan Officers, with a reason, events, and locking."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection
from django_fsm import can_proceed, has_transition_perm

from customers import services
from customers.models import Customer, CustomerEvent, Document, DocumentKind, EventKind, KycStatus
from tests.customers.factories import CustomerFactory, add_id_card

pytestmark = [pytest.mark.usefixtures("english")]

VERIFY = services.customer_verify_identity
REJECT = services.customer_reject_identity


@pytest.fixture
def customer(db):
    """An unverified customer with an identity card on file (what KYC verifies against)."""
    return CustomerFactory(id_card=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("service", "target"), [(VERIFY, "verified"), (REJECT, "rejected")])
@pytest.mark.parametrize("role", ["officer", "senior"])
def test_an_officer_moves_an_unverified_customer_and_an_event_is_written(
    users, customer, service, target, role
):
    result = service(customer=customer, actor=users[role], reason="  checked against the ID card  ")
    assert result.kyc_status == target
    customer.refresh_from_db()
    assert customer.kyc_status == target
    event = CustomerEvent.objects.get(customer=customer)
    assert (event.kind, event.actor, event.from_state, event.to_state, event.reason) == (
        EventKind.KYC,
        users[role],
        "unverified",
        target,
        "checked against the ID card",
    )


@pytest.mark.django_db
def test_a_decision_writes_no_history_row_and_logs_no_personal_data(users, customer, caplog):
    """The CustomerEvent is the record of a KYC change; logs name the customer as C0000042."""
    history_rows = customer.history.count()
    with caplog.at_level(logging.INFO):
        VERIFY(customer=customer, actor=users["officer"], reason="ID card checked")
    assert customer.history.count() == history_rows
    assert f"{customer}: unverified -> verified" in caplog.text
    for personal in (customer.id_number, customer.phone, customer.legal_name):
        assert personal not in caplog.text


@pytest.mark.django_db
def test_the_transitions_carry_the_officer_permission_never_for_their_own_profile(users, customer):
    for name in ("verify", "reject"):
        method = getattr(customer, name)
        assert has_transition_perm(method, users["officer"])
        assert has_transition_perm(method, users["senior"])
        for role in ("customer", "analyst", "pm", "marketing", "auditor"):
            assert not has_transition_perm(method, users[role])
    own = CustomerFactory(user=users["officer"])
    assert not has_transition_perm(own.verify, users["officer"])


@pytest.mark.django_db
@pytest.mark.parametrize("service", [VERIFY, REJECT])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_mandatory(users, customer, service, reason):
    with pytest.raises(services.CustomerValidationError) as info:
        service(customer=customer, actor=users["officer"], reason=reason)
    assert info.value.errors == {"reason": ["Give a reason."]}
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED
    assert not CustomerEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("service", [VERIFY, REJECT])
@pytest.mark.parametrize("role", ["customer", "analyst", "pm", "marketing", "auditor"])
def test_other_roles_may_not_decide(users, customer, service, role):
    with pytest.raises(services.CustomerPermissionError):
        service(customer=customer, actor=users[role], reason="looks fine")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED
    assert not CustomerEvent.objects.exists()


@pytest.mark.django_db
def test_nobody_verifies_their_own_identity(users):
    own = CustomerFactory(user=users["officer"])
    with pytest.raises(services.CustomerPermissionError, match="their own identity"):
        VERIFY(customer=own, actor=users["officer"], reason="it is me")
    own.refresh_from_db()
    assert own.kyc_status == KycStatus.UNVERIFIED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [(VERIFY, VERIFY), (VERIFY, REJECT), (REJECT, REJECT), (REJECT, VERIFY)],
    ids=["verified-verify", "verified-reject", "rejected-reject", "rejected-verify"],
)
def test_every_decision_from_a_decided_state_is_refused_with_the_current_state(
    users, customer, first, second
):
    decided = first(customer=customer, actor=users["officer"], reason="first decision")
    with pytest.raises(services.CustomerTransitionError) as info:
        second(customer=customer, actor=users["senior"], reason="second decision")
    assert info.value.state == decided.kyc_status
    customer.refresh_from_db()
    assert customer.kyc_status == decided.kyc_status
    assert CustomerEvent.objects.filter(customer=customer).count() == 1


@pytest.mark.django_db
def test_resubmit_is_allowed_only_from_rejected(users):
    # The model's transitions are the pipeline: verify/reject from unverified, resubmit from rejected.
    unverified = CustomerFactory()
    assert not can_proceed(unverified.resubmit)
    assert can_proceed(unverified.verify)
    assert can_proceed(unverified.reject)
    verified = VERIFY(customer=CustomerFactory(id_card=True), actor=users["officer"], reason="ok")
    assert not can_proceed(verified.resubmit)
    assert not can_proceed(verified.reject)
    rejected = REJECT(customer=CustomerFactory(), actor=users["officer"], reason="blurred photo")
    assert can_proceed(rejected.resubmit)
    assert not can_proceed(rejected.verify)


@pytest.mark.django_db
def test_two_officers_acting_on_the_same_stale_customer_give_one_transition(users):
    """The service re-reads the row under a lock, so a stale copy cannot decide twice."""
    customer = CustomerFactory(id_card=True)
    seen_by_officer = Customer.objects.get(pk=customer.pk)
    seen_by_senior = Customer.objects.get(pk=customer.pk)
    VERIFY(customer=seen_by_officer, actor=users["officer"], reason="ID card matches")
    assert seen_by_senior.kyc_status == KycStatus.UNVERIFIED  # still stale in memory
    with pytest.raises(services.CustomerTransitionError) as info:
        REJECT(customer=seen_by_senior, actor=users["senior"], reason="photo unclear")
    assert info.value.state == KycStatus.VERIFIED
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.VERIFIED
    assert list(CustomerEvent.objects.values_list("to_state", flat=True)) == ["verified"]


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_verify_on_postgres_gives_one_transition_and_one_409(users):
    """Two threads, two connections, one row lock: exactly one verify wins."""
    assert connection.vendor == "postgresql"
    customer = CustomerFactory(id_card=True)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor):
        from django.db import connections

        try:
            stale = Customer.objects.get(pk=customer.pk)
            barrier.wait(timeout=10)
            VERIFY(customer=stale, actor=actor, reason="concurrent check")
            outcomes.append("ok")
        except services.CustomerTransitionError as exc:
            outcomes.append(f"refused:{exc.state}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(users[r],)) for r in ("officer", "senior")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused:verified"]
    assert CustomerEvent.objects.filter(customer=customer, kind=EventKind.KYC).count() == 1


@pytest.mark.django_db
def test_an_identity_cannot_be_verified_without_an_identity_card(users):
    # Given a customer who uploaded only an income proof
    customer = CustomerFactory()
    Document.objects.create(
        customer=customer,
        kind=DocumentKind.INCOME_PROOF,
        file="x/pay.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    # When an officer verifies the identity, it is refused on `document`
    with pytest.raises(services.CustomerValidationError) as info:
        VERIFY(customer=customer, actor=users["officer"], reason="looks right")
    assert info.value.errors == {"document": [str(services.NO_IDENTITY_DOCUMENT)]}
    # Then nothing changed
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED
    assert not CustomerEvent.objects.exists()
    # Rejecting needs no card ("no readable card" is a reason), and with a card verify works
    add_id_card(customer)
    assert VERIFY(customer=customer, actor=users["officer"], reason="card matches").kyc_status == "verified"


@pytest.mark.django_db
def test_verifying_from_a_stale_copy_of_a_decided_customer_is_a_conflict_not_no_card(users):
    # Given a customer whose identity another officer already rejected (no card on file)
    customer = CustomerFactory()
    stale = Customer.objects.get(pk=customer.pk)  # read before the rejection
    services.customer_reject_identity(customer=customer, actor=users["officer"], reason="unreadable")
    # When an officer verifies from the stale copy, the answer is the state (409), not "no card"
    with pytest.raises(services.CustomerTransitionError):
        VERIFY(customer=stale, actor=users["senior"], reason="looks right")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.REJECTED


@pytest.mark.django_db
def test_the_console_explains_why_verify_is_blocked_instead_of_a_failing_button(client, users):
    from django.urls import reverse

    customer = CustomerFactory()
    client.force_login(users["officer"])
    verify_url = reverse("admin:customers_customer_kyc", args=[customer.pk, "verify"])
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(reverse("admin:customers_customer_change", args=[customer.pk]), **english)
    page = page.content.decode()
    assert verify_url not in page
    assert reverse("admin:customers_customer_kyc", args=[customer.pk, "reject"]) in page
    assert "has not uploaded an identity card yet" in page
    form = client.get(verify_url, **english).content.decode()
    assert "has not uploaded an identity card yet" in form
    assert 'name="reason"' not in form
    refused = client.post(verify_url, {"reason": "trying anyway"})
    assert refused.status_code == 400
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED
