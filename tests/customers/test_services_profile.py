"""customer_upsert_for_user: validation, normalisation, masked round trips, identity locks, consents."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from customers import consents, selectors, services
from customers.models import Consent, Customer, CustomerEvent, EventKind, KycStatus
from tests.customers.factories import (
    GB_EXAMPLE_RIC,
    STDNUM_EXAMPLE_RIC,
    STDNUM_EXAMPLE_USCC,
    CustomerFactory,
    UserFactory,
    add_id_card,
    make_ric,
    profile_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
REFUSED = "This identity number cannot be used for your profile. If it is yours, contact us."


def test_a_new_individual_profile_is_normalised_and_records_the_consent_wording(users):
    user = users["customer"]
    customer = services.customer_upsert_for_user(
        user=user,
        data=profile_data(
            id_number="110105 19491231 002x", phone="+86 138-1234-5678", monthly_income="15000"
        ),
    )
    customer.refresh_from_db()
    assert customer.user == user
    assert customer.id_number == GB_EXAMPLE_RIC
    assert customer.date_of_birth == dt.date(1949, 12, 31)
    assert customer.phone == "13812345678"
    assert customer.monthly_income == Decimal("15000.00")
    assert customer.monthly_debt == Decimal("2000.00")
    assert customer.annual_revenue is None
    assert customer.uscc == ""
    assert customer.kyc_status == KycStatus.UNVERIFIED
    consent = Consent.objects.get(customer=customer)
    assert consent.kind == "credit_check"
    assert consent.version == consents.CREDIT_CHECK.version
    assert consent.wording == str(consents.CREDIT_CHECK.text)
    assert consent.wording.startswith("I authorise LoanHub to query my credit report")
    assert consent.language == "en"
    assert consent.given_at is not None
    assert consent.withdrawn_at is None
    assert selectors.customer_has_credit_check_consent(customer=customer) is True


def test_all_errors_come_back_at_once_keyed_by_field_and_nothing_is_saved(users):
    data = profile_data(
        legal_name="",
        id_number="110105194912310021",
        phone="12345",
        region="",
        employer="",
        monthly_income="-1",
        monthly_debt="10.005",
        uscc=STDNUM_EXAMPLE_USCC,
        annual_revenue="100",
        years_employed="abc",
        email="not-an-email",
    )
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=users["customer"], data=data)
    assert set(info.value.errors) == {
        "legal_name",
        "id_number",
        "phone",
        "region",
        "employer",
        "monthly_income",
        "monthly_debt",
        "uscc",
        "annual_revenue",
        "years_employed",
        "email",
    }
    assert info.value.errors["monthly_debt"] == ["At most 2 decimal places."]
    assert info.value.errors["uscc"] == [
        "Only sole proprietors and small businesses have a unified social credit code."
    ]
    assert not Customer.objects.exists()
    assert not Consent.objects.exists()


def test_business_customers_need_a_credit_code_industry_and_revenue(users):
    data = profile_data(customer_type="sole_proprietor", employment_type="business_owner", employer="")
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=users["customer"], data=data)
    assert set(info.value.errors) == {"uscc", "industry", "annual_revenue"}

    customer = services.customer_upsert_for_user(
        user=users["customer"],
        data={**data, "uscc": "9 1 110000 600037341l", "industry": "餐饮", "annual_revenue": "1200000.50"},
    )
    assert customer.uscc == STDNUM_EXAMPLE_USCC
    assert customer.annual_revenue == Decimal("1200000.50")
    assert customer.is_business


def test_an_update_keeps_identity_and_phone_when_left_out_blank_or_masked(users):
    user = users["customer"]
    services.customer_upsert_for_user(user=user, data=profile_data())
    services.customer_upsert_for_user(
        user=user, data=profile_data(id_number="1101**********002X", phone="138****5678", region="上海")
    )
    data = profile_data(monthly_income="18000.00")
    del data["id_number"]
    data["phone"] = ""
    customer = services.customer_upsert_for_user(user=user, data=data)
    customer.refresh_from_db()
    assert (customer.id_number, customer.phone) == (GB_EXAMPLE_RIC, "13812345678")
    assert customer.region == "北京"
    assert customer.monthly_income == Decimal("18000.00")
    assert Customer.objects.count() == 1
    assert Consent.objects.count() == 1  # giving the same consent again adds nothing


def test_a_new_profile_needs_identity_and_phone(users):
    data = profile_data()
    del data["id_number"]
    data["phone"] = "138****5678"
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=users["customer"], data=data)
    assert set(info.value.errors) == {"id_number", "phone"}


def test_an_identity_number_registered_by_someone_else_is_refused_without_saying_so(users):
    CustomerFactory(id_number=GB_EXAMPLE_RIC)
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    assert info.value.errors == {"id_number": [REFUSED]}
    assert info.value.errors == {"id_number": [str(services.NUMBER_REFUSED["id_number"])]}
    assert Customer.objects.count() == 1


def test_a_claimed_number_is_audited_on_its_owner_without_the_number(users):
    owner = CustomerFactory(id_number=GB_EXAMPLE_RIC)
    with pytest.raises(services.CustomerValidationError):
        services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    event = CustomerEvent.objects.get(customer=owner, kind=EventKind.CLAIM)
    assert event.actor == users["customer"]
    assert event.field == "id_number"
    assert GB_EXAMPLE_RIC not in str(event.payload) + event.reason


def test_claims_of_other_customers_numbers_are_limited_per_day(users):
    """Past the limit an account learns nothing more: a free number is refused like a taken one."""
    user = users["customer"]
    taken = [CustomerFactory().id_number for _ in range(services.IDENTITY_CLAIM_LIMIT)]
    for number in taken:
        with pytest.raises(services.CustomerValidationError) as info:
            services.customer_upsert_for_user(user=user, data=profile_data(id_number=number))
        assert info.value.errors == {"id_number": [REFUSED]}
    free = make_ric(sequence=987)
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=user, data=profile_data(id_number=free))
    assert info.value.errors == {"id_number": [REFUSED]}
    assert not Customer.objects.filter(user=user).exists()
    assert CustomerEvent.objects.filter(kind=EventKind.CLAIM, actor=user).count() == len(taken)

    # A day later the account may try again, and a free number is then accepted.
    CustomerEvent.objects.filter(kind=EventKind.CLAIM).update(
        created_at=timezone.now() - services.IDENTITY_CLAIM_WINDOW - dt.timedelta(minutes=1)
    )
    customer = services.customer_upsert_for_user(user=user, data=profile_data(id_number=free))
    assert customer.id_number == free


def test_retrying_the_same_taken_number_does_not_use_up_the_allowance(users):
    """Someone who really holds another account retries their number: each try is audited, but only
    distinct customers count, so a free number is still accepted afterwards."""
    user = users["customer"]
    owner = CustomerFactory()
    for _ in range(services.IDENTITY_CLAIM_LIMIT + 1):
        with pytest.raises(services.CustomerValidationError) as info:
            services.customer_upsert_for_user(user=user, data=profile_data(id_number=owner.id_number))
        assert info.value.errors == {"id_number": [REFUSED]}
    assert CustomerEvent.objects.filter(customer=owner, kind=EventKind.CLAIM).count() == 4
    customer = services.customer_upsert_for_user(
        user=user, data=profile_data(id_number=make_ric(sequence=986))
    )
    assert customer.id_number == make_ric(sequence=986)


def test_past_the_limit_a_claimed_and_an_unclaimed_number_get_the_one_answer(users):
    user = users["customer"]
    owners = [CustomerFactory() for _ in range(services.IDENTITY_CLAIM_LIMIT + 1)]
    for owner in owners[:-1]:
        with pytest.raises(services.CustomerValidationError):
            services.customer_upsert_for_user(user=user, data=profile_data(id_number=owner.id_number))
    with pytest.raises(services.CustomerValidationError) as again:  # claimed before: audited again
        services.customer_upsert_for_user(user=user, data=profile_data(id_number=owners[0].id_number))
    assert again.value.errors == {"id_number": [REFUSED]}
    assert CustomerEvent.objects.filter(customer=owners[0], kind=EventKind.CLAIM).count() == 2
    with pytest.raises(services.CustomerValidationError) as new:  # taken, but not yet claimed
        services.customer_upsert_for_user(user=user, data=profile_data(id_number=owners[-1].id_number))
    assert new.value.errors == {"id_number": [REFUSED]}
    assert not CustomerEvent.objects.filter(customer=owners[-1], kind=EventKind.CLAIM).exists()


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_parallel_claims_cannot_pass_the_limit_together(users):
    """Five submissions at once, each with another customer's number: the account row lock makes
    them count one after another, so three are audited and two are refused by the limit (all five
    with the one answer)."""
    assert connection.vendor == "postgresql"
    user = users["customer"]
    numbers = [CustomerFactory().id_number for _ in range(5)]
    barrier = threading.Barrier(len(numbers))
    answers: list[str] = []

    def claim(number):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # the english fixture reaches only the test's thread
                services.customer_upsert_for_user(user=user, data=profile_data(id_number=number))
        except services.CustomerValidationError as exc:
            answers.append(exc.errors["id_number"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [REFUSED] * len(numbers)
    assert (
        CustomerEvent.objects.filter(kind=EventKind.CLAIM, actor=user).count()
        == services.IDENTITY_CLAIM_LIMIT
    )


def test_a_customer_at_the_claim_limit_can_still_update_their_own_profile(users):
    user = users["customer"]
    customer = services.customer_upsert_for_user(user=user, data=profile_data())
    for _ in range(services.IDENTITY_CLAIM_LIMIT):
        CustomerEvent.objects.create(
            customer=CustomerFactory(),
            kind=EventKind.CLAIM,
            actor=user,
            from_state="unverified",
            to_state="unverified",
        )
    services.customer_upsert_for_user(user=user, data=profile_data(monthly_income="20000.00"))
    customer.refresh_from_db()
    assert customer.monthly_income == Decimal("20000.00")


def test_verified_identity_data_cannot_be_changed_by_the_customer(users):
    customer = services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    add_id_card(customer)
    services.customer_verify_identity(customer=customer, actor=users["officer"], reason="ID card checked")
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(
            user=users["customer"], data=profile_data(legal_name="李四", id_number=STDNUM_EXAMPLE_RIC)
        )
    assert set(info.value.errors) == {"legal_name", "id_number"}
    customer.refresh_from_db()
    assert (customer.legal_name, customer.id_number) == ("张三", GB_EXAMPLE_RIC)
    # contact data may still change
    services.customer_upsert_for_user(user=users["customer"], data=profile_data(phone="13987654321"))
    customer.refresh_from_db()
    assert customer.phone == "13987654321"
    assert customer.kyc_status == KycStatus.VERIFIED


def test_correcting_identity_after_a_rejection_sends_it_back_to_unverified(users):
    customer = services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    services.customer_reject_identity(
        customer=customer, actor=users["officer"], reason="name differs from card"
    )
    services.customer_upsert_for_user(user=users["customer"], data=profile_data(legal_name="张 三"))
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED
    last = customer.events.order_by("-id").first()
    assert (last.from_state, last.to_state, last.actor) == ("rejected", "unverified", users["customer"])
    # an update that does not touch identity leaves a rejection in place
    services.customer_reject_identity(customer=customer, actor=users["officer"], reason="still differs")
    services.customer_upsert_for_user(
        user=users["customer"], data=profile_data(legal_name="张 三", region="天津")
    )
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.REJECTED
    assert CustomerEvent.objects.filter(customer=customer, kind=EventKind.KYC).count() == 3
    assert (
        CustomerEvent.objects.filter(customer=customer, kind=EventKind.CHANGE, field="legal_name").count()
        == 1
    )


def test_consent_can_be_withdrawn_and_given_again(users):
    user = users["customer"]
    customer = services.customer_upsert_for_user(user=user, data=profile_data())
    services.customer_upsert_for_user(user=user, data=profile_data(credit_check_consent=False))
    assert selectors.customer_has_credit_check_consent(customer=customer) is False
    first = Consent.objects.get(customer=customer)
    assert first.withdrawn_at is not None
    services.customer_upsert_for_user(user=user, data=profile_data(credit_check_consent="on"))
    assert Consent.objects.filter(customer=customer).count() == 2
    assert selectors.consent_current(customer=customer).withdrawn_at is None


def test_leaving_consent_out_changes_nothing(users):
    data = profile_data()
    del data["credit_check_consent"]
    customer = services.customer_upsert_for_user(user=users["customer"], data=data)
    assert selectors.customer_has_credit_check_consent(customer=customer) is False
    assert not Consent.objects.exists()


def test_anonymous_users_cannot_save_a_profile():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(services.CustomerPermissionError):
        services.customer_upsert_for_user(user=AnonymousUser(), data=profile_data())


@pytest.mark.parametrize("is_staff", [True, False])
def test_staff_accounts_keep_no_customer_profile_whether_or_not_they_enter_the_admin(is_staff):
    # A staff role is enough, and so is an admin-console account without a role.
    from loanhub import roles

    officer = UserFactory(username="officer-p", role=roles.LOAN_OFFICER, is_staff=is_staff)
    console = UserFactory(username="console-p", is_staff=True)
    for user in (officer, console):
        with pytest.raises(services.CustomerPermissionError):
            services.customer_upsert_for_user(user=user, data=profile_data())
    assert not Customer.objects.exists()


def test_phone_and_identity_changes_are_audited_masked(db):
    from customers import services
    from customers.models import CustomerEvent, EventKind
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory()
    old_phone = customer.phone
    data = {
        "customer_type": customer.customer_type,
        "legal_name": customer.legal_name,
        "phone": "13900001111",
        "email": customer.email,
        "region": customer.region or "北京",
        "employment_type": customer.employment_type,
        "employer": customer.employer or "ACME",
        "industry": customer.industry or "IT",
        "years_employed": customer.years_employed,
        "monthly_income": str(customer.monthly_income),
        "monthly_debt": str(customer.monthly_debt),
    }
    services.customer_upsert_for_user(user=customer.user, data=data)
    event = CustomerEvent.objects.get(customer=customer, kind=EventKind.CHANGE)
    assert (event.field, event.actor) == ("phone", customer.user)
    assert event.payload == {"from": f"{old_phone[:3]}****{old_phone[-4:]}", "to": "139****1111"}
    assert "13900001111" not in str(event.payload)
