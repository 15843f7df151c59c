"""Officer approvals: maker-checker above the senior amount, counter-offers within the decision,
and two officers approving at once (PostgreSQL, two threads)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from applications import services
from applications.models import LoanApplication, State
from tests.applications.conftest import draft, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(risk_ready, product, submit):
    """A referred application (thin bureau file) of a verified customer, scored by risk."""

    def _referred(amount="50000", term=24, username="gina") -> LoanApplication:
        customer = make_customer(username)
        application = submit(draft(customer, product, amount=Decimal(amount), term=term))
        assert application.state == State.REFERRED
        assert "THIN_FILE" in {r["code"] for r in application.decision.reasons}
        return application

    return _referred


def test_large_approval_needs_a_second_person_with_senior_approval(referred, users):
    # Given a referred application above the senior amount
    application = referred(amount="300000", term=36)
    assert application.max_amount > Decimal("200000")
    amount = application.max_amount
    # When the first officer approves
    pending = services.application_approve(
        application=application, actor=users["officer"], reason="income ok"
    )
    # Then it is pending, still referred, and the first approval is an event
    assert pending.state == State.REFERRED
    assert pending.pending_approval_by == users["officer"]
    assert pending.pending_approval == {"amount": str(amount), "term": 36, "reason": "income ok"}
    note = pending.events.order_by("-id").first()
    assert (note.actor, note.from_state, note.to_state) == (users["officer"], State.REFERRED, State.REFERRED)
    assert note.payload["second_approval_required"] is True
    # The same person cannot complete it
    with pytest.raises(services.ApplicationPermissionError, match="maker-checker"):
        services.application_approve(application=application, actor=users["officer"], reason="again")
    # Another officer without senior approval cannot either
    with pytest.raises(services.ApplicationPermissionError, match="needs a Senior Approver"):
        services.application_approve(application=application, actor=users["officer2"], reason="me too")
    application.refresh_from_db()
    assert application.state == State.REFERRED
    # A senior approver completes it with the first approval's terms
    approved = services.application_approve(application=application, actor=users["senior"], reason="checked")
    assert approved.state == State.APPROVED
    assert approved.approved_by == users["senior"]
    assert approved.offer_amount == amount
    assert approved.pending_approval_by is None
    event = approved.events.get(to_state=State.APPROVED)
    assert event.actor == users["senior"]
    assert event.payload["first_approval"]["by"] == "officer"
    assert event.payload["first_approval"]["reason"] == "income ok"


def test_a_senior_approver_as_maker_still_needs_another_senior(referred, users):
    application = referred(amount="300000", term=36)
    services.application_approve(application=application, actor=users["senior"], reason="first")
    with pytest.raises(services.ApplicationPermissionError, match="maker-checker"):
        services.application_approve(application=application, actor=users["senior"], reason="second")
    approved = services.application_approve(application=application, actor=users["senior2"], reason="second")
    assert approved.state == State.APPROVED


def test_the_checker_cannot_change_the_makers_terms(referred, users):
    application = referred(amount="300000", term=36)
    services.application_approve(application=application, actor=users["officer"], reason="first")
    # any amount but the first approval's (the decision's limit, which depends on the grade)
    other = str(application.max_amount - Decimal("10000"))
    with pytest.raises(services.ApplicationValidationError, match="differs from the first approval"):
        services.application_approve(
            application=application, actor=users["senior"], reason="second", amount=other
        )


def test_a_decline_lets_a_pending_approval_lapse(referred, users):
    application = referred(amount="300000", term=36)
    services.application_approve(application=application, actor=users["officer"], reason="first")
    declined = services.application_decline(
        application=application, actor=users["senior"], reason="fraud doubt"
    )
    assert declined.state == State.DECLINED
    assert declined.pending_approval_by is None
    assert declined.events.get(to_state=State.DECLINED).payload["pending_approval_lapsed"]["by"] == "officer"


def test_approval_at_or_below_the_senior_amount_needs_one_officer(referred, users, settings):
    settings.LOANHUB_SENIOR_APPROVAL_AMOUNT = Decimal("50000")
    application = referred(amount="50000")
    approved = services.application_approve(application=application, actor=users["officer"], reason="ok")
    assert approved.state == State.APPROVED


def test_counter_offer_within_the_decisions_limits(referred, users):
    application = referred(amount="80000", term=36)
    limit, max_term = application.max_amount, application.max_term
    assert (limit, max_term) == (Decimal("80000.00"), 36)
    bad = [
        ({"amount": "80000.01"}, {"amount": ["must be at most 80000.00, the limit of the risk decision"]}),
        ({"term": 48}, {"term": ["must be at most 36 months, the term of the risk decision"]}),
        ({"amount": "5000"}, {"amount": ["must be at least 10000.00, the minimum of product CASH"]}),
        ({"term": 3}, {"term": ["must be at least 6 months for product CASH"]}),
    ]
    for counter, errors in bad:
        with pytest.raises(services.ApplicationValidationError) as caught:
            services.application_approve(
                application=application, actor=users["officer"], reason="c", **counter
            )
        assert caught.value.errors == errors
    application.refresh_from_db()
    assert application.state == State.REFERRED
    # A lower amount over a shorter term is fine, and becomes the offer
    approved = services.application_approve(
        application=application, actor=users["officer"], reason="lower exposure", amount="60000", term=24
    )
    assert (approved.offer_amount, approved.offer_term) == (Decimal("60000.00"), 24)
    assert approved.offer["installments"] == 24
    assert approved.events.get(to_state=State.APPROVED).payload == {
        "amount": "60000.00",
        "term": 24,
        "counter_offer": True,
    }


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_once_one_wins(referred, users):
    # Given a referred application two officers open at the same moment
    application = referred(amount="50000", username="helen")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(officer_key: str) -> None:
        try:
            stale = LoanApplication.objects.get(pk=application.pk)
            barrier.wait(timeout=10)
            with translation.override("en"):  # a thread starts in the default language, zh-hans
                services.application_approve(application=stale, actor=users[officer_key], reason=officer_key)
            outcomes[officer_key] = "approved"
        except services.ApplicationStateError as exc:
            outcomes[officer_key] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(key,)) for key in ("officer", "officer2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then exactly one approved; the other was told who decided and when
    winners = [k for k, v in outcomes.items() if v == "approved"]
    losers = [v for v in outcomes.values() if isinstance(v, services.ApplicationStateError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].state == State.APPROVED
    assert f"already decided (Approved) by {winners[0]} at " in losers[0].message
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert application.events.filter(to_state=State.APPROVED).count() == 1
