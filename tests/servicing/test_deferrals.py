"""Deferral of installments (issue 14): request with the new schedule shown, officer approval,
maker-checker above the configured amount, capitalised interest, events, close of business."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from products import engine
from servicing import cob, deferrals, prepayments, repayments
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import ChangeStatus
from servicing.models import Loan, LoanEvent, ScheduleChange
from tests.products.factories import UserFactory
from tests.servicing.test_prepayments import _ledger_balanced, _loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer():
    return UserFactory(username="officer2", role=roles.LOAN_OFFICER)


def test_request_shows_the_engine_schedule_and_changes_nothing(people):
    loan = _loan(people)
    before = list(loan.installments.values_list("number", "due_date", "payment"))
    change = deferrals.deferral_request(loan=loan, installments=2, reason="hospital", actor=people["owner"])
    assert change.status == ChangeStatus.PENDING
    # The engine's own deferral of the loan's schedule from the next installment on.
    schedule = sc.engine_schedule(loan)
    first = next(i + 1 for i, r in enumerate(schedule.rows) if r.due_date > open_business_date())
    expected = engine.defer_installments(schedule, first_installment=first, installments=2)
    shown = change.quote["new_schedule"]
    assert [D(r["payment"]) for r in shown] == [
        r.principal + r.interest + r.fees for r in expected.remaining.rows
    ]
    assert D(change.quote["capitalised_interest"]) == expected.capitalised_interest > 0
    assert [D(r["payment"]) for r in shown[:2]] == [D("0.00"), D("0.00")]
    # The last due date (maturity) is kept.
    assert shown[-1]["due_date"] == loan.maturity_date.isoformat()
    assert list(loan.installments.values_list("number", "due_date", "payment")) == before
    assert LoanEvent.objects.filter(loan=loan, payload__requested=True).count() == 1


def test_one_officer_approves_below_the_threshold_and_the_schedule_applies(people, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    loan = _loan(people)
    change = deferrals.deferral_request(loan=loan, installments=1, reason="job loss", actor=people["owner"])
    approved = deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    assert approved.status == ChangeStatus.APPROVED
    loan.refresh_from_db()
    assert loan.schedule_version == 1
    stored = list(
        loan.installments.filter(due_date__gt=open_business_date()).order_by("number").values("payment")
    )
    assert [str(r["payment"]) for r in stored] == [r["payment"] for r in approved.quote["new_schedule"]]
    assert len(approved.replaced_rows) == len(stored)
    assert LoanEvent.objects.filter(loan=loan, from_state="pending", to_state="approved").count() == 1
    _ledger_balanced(loan)


def test_a_deferral_above_the_amount_needs_two_different_officers(people, second_officer, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("10000")
    loan = _loan(people)
    change = deferrals.deferral_request(loan=loan, installments=2, reason="flood", actor=people["owner"])
    assert change.amount > D("10000")
    first = deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    assert first.status == ChangeStatus.PENDING
    assert first.first_approved_by == people["officer"]
    loan.refresh_from_db()
    assert loan.schedule_version == 0
    with pytest.raises(Forbidden):
        deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    done = deferrals.deferral_approve(change_id=change.pk, actor=second_officer)
    assert done.status == ChangeStatus.APPROVED
    assert done.decided_by == second_officer
    loan.refresh_from_db()
    assert loan.schedule_version == 1
    with pytest.raises(Conflict):
        deferrals.deferral_approve(change_id=change.pk, actor=second_officer)


def test_requester_customer_and_auditor_may_not_decide(people):
    loan = _loan(people)
    officer_asked = deferrals.deferral_request(
        loan=loan, installments=1, reason="asked by phone", actor=people["officer"]
    )
    with pytest.raises(Forbidden):
        deferrals.deferral_approve(change_id=officer_asked.pk, actor=people["officer"])
    with pytest.raises(Forbidden):
        deferrals.deferral_approve(change_id=officer_asked.pk, actor=people["owner"])
    with pytest.raises(Forbidden):
        deferrals.deferral_reject(change_id=officer_asked.pk, actor=people["auditor"])
    officer_asked.refresh_from_db()
    assert officer_asked.status == ChangeStatus.PENDING


def test_reject_leaves_the_schedule(people):
    loan = _loan(people)
    before = list(loan.installments.values_list("number", "due_date", "payment"))
    change = deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["owner"])
    rejected = deferrals.deferral_reject(change_id=change.pk, actor=people["officer"], reason="no evidence")
    assert rejected.status == ChangeStatus.REJECTED
    assert list(loan.installments.values_list("number", "due_date", "payment")) == before
    assert LoanEvent.objects.filter(loan=loan, to_state="rejected", reason="no evidence").count() == 1


def test_bad_requests_are_refused_by_field_or_state(people):
    loan = _loan(people)
    for bad in (0, 4, "2", True):
        with pytest.raises(Invalid) as exc:
            deferrals.deferral_request(loan=loan, installments=bad, reason="r", actor=people["owner"])
        assert set(exc.value.errors) == {"installments"}
    with pytest.raises(Invalid) as exc:
        deferrals.deferral_request(loan=loan, installments=1, reason=" ", actor=people["owner"])
    assert set(exc.value.errors) == {"reason"}
    with pytest.raises(NotFound):
        deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["other"])
    deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["owner"])
    with pytest.raises(Conflict):
        deferrals.deferral_request(loan=loan, installments=1, reason="again", actor=people["owner"])
    assert ScheduleChange.objects.filter(loan=loan).count() == 1


def test_an_overdue_loan_cannot_be_deferred(people):
    loan = open_loan_overdue(people)
    with pytest.raises(Conflict):
        deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["owner"])


def open_loan_overdue(people):
    from tests.servicing.factories import open_loan

    loan = open_loan(actor=people["officer"], disbursed_on=clock.today() - relativedelta(months=2), fees=[])
    Loan.objects.filter(pk=loan.pk).update(customer=people["owner_loan"].customer)
    repayments.loan_refresh(loan)
    loan.refresh_from_db()
    assert loan.days_past_due > 0
    return loan


def test_approval_after_the_schedule_changed_is_a_conflict(people, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    loan = _loan(people)
    change = deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["owner"])
    prepayments.prepayment_post(loan=loan, amount=D("5000.00"), actor=people["owner"])
    with pytest.raises(Conflict):
        deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING


def test_close_of_business_after_a_deferral(people, settings):
    """The deferred installments owe nothing: close of business through them leaves the loan
    current, the capitalised interest joins the principal, and the next paid installment keeps it so."""
    from tests.servicing.test_cob_replay import _check_against_replay

    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    loan = _loan(people)
    start = open_business_date()
    cob.close_through(start - dt.timedelta(days=1), start=start - dt.timedelta(days=1))
    change = deferrals.deferral_request(loan=loan, installments=2, reason="r", actor=people["owner"])
    deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    third = change.quote["new_schedule"][2]
    cob.close_through(dt.date.fromisoformat(third["due_date"]) - dt.timedelta(days=1))
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    assert loan.penalty_due == 0
    assert loan.sl_capitalised == D(change.quote["capitalised_interest"])
    repayments.repayment_post(loan=loan, amount=D(third["payment"]), actor=people["owner"])
    cob.close_through(open_business_date() + dt.timedelta(days=5))
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    assert loan.penalty_due == 0
    _check_against_replay([(loan, None)])
    _ledger_balanced(loan)
