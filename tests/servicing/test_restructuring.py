"""Restructuring (issue 14): a new term and/or rate with the arrears capitalised, the new schedule
from the engine shown before approval, two different officers, the ledger balanced, events, and
the observation period's substandard floor in the replay and in close of business."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid
from products import engine_adapter
from servicing import cob, deferrals, prepayments, repayments, restructuring, rules
from servicing.calendar import open_business_date
from servicing.choices import ChangeStatus, Classification, EntryKind, RepaymentChannel
from servicing.models import JournalEntry, Loan, LoanEvent
from tests.products.factories import UserFactory
from tests.servicing.factories import open_loan
from tests.servicing.test_prepayments import _ledger_balanced

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker():
    return UserFactory(username="checker", role=roles.LOAN_OFFICER)


def _overdue_loan(people, *, late_days=20):
    """A 100 000.00, 6 %, 12-month annuity loan whose third installment fell due `late_days`
    ago unpaid (the first two paid on their due dates): interest and penalty in arrears."""
    today = clock.today()
    loan = open_loan(
        None,
        actor=people["officer"],
        disbursed_on=today - relativedelta(months=3) - dt.timedelta(days=late_days),
        fees=[],
    )
    Loan.objects.filter(pk=loan.pk).update(customer=people["owner_loan"].customer)
    loan.refresh_from_db()
    for inst in loan.installments.order_by("number")[:2]:
        repayments.repayment_post(
            loan=loan, amount=inst.payment, value_date=inst.due_date, actor=people["officer"]
        )
    loan.refresh_from_db()
    assert loan.days_past_due >= late_days - 3
    assert loan.penalty_due > 0
    return loan


def test_quote_capitalises_the_arrears_into_the_engines_new_schedule(people):
    loan = _overdue_loan(people)
    today = open_business_date()
    owed = repayments.loan_position(loan, as_of=today).payoff()
    quote = restructuring.restructuring_quote(loan=loan, term=24, annual_rate=D("0.048"))
    # The new principal is everything owed today: principal, interest to today, penalty, fees.
    assert quote["new_principal"] == owed["total"]
    assert quote["penalty_capitalised"] == loan.penalty_due > 0
    assert quote["principal_outstanding"] == loan.principal_outstanding
    # The new schedule is the engine's for the new principal, term and rate from today.
    expected = engine_adapter.build(
        principal=owed["total"],
        annual_rate=D("0.048"),
        term=24,
        frequency=loan.frequency,
        method=loan.method,
        start_date=today,
        day_count=loan.day_count,
        fees=[],
    )
    assert len(quote["new_schedule"]) == 24
    assert [(r["due_date"], r["principal"], r["interest"]) for r in quote["new_schedule"]] == [
        (r.due_date, r.principal, r.interest) for r in expected.rows
    ]
    # Worked example: the level payment is the annuity formula P·i / (1 − (1 + i)^−n), i = 4.8 %/12.
    i = D("0.048") / 12
    level = (owed["total"] * i / (1 - (1 + i) ** -24)).quantize(D("0.01"), ROUND_HALF_UP)
    assert abs(quote["new_schedule"][1]["payment"] - level) <= D("0.01")
    assert sum(r["principal"] for r in quote["new_schedule"]) == owed["total"]
    assert quote["observation_until"] == today + relativedelta(months=12)


def test_two_officers_restructure_and_the_ledger_stays_balanced(people, checker):
    loan = _overdue_loan(people)
    today = open_business_date()
    change = restructuring.restructuring_request(
        loan=loan, term=24, annual_rate=D("0.048"), reason="income fell", actor=people["officer"]
    )
    assert change.status == ChangeStatus.PENDING
    assert loan.installments.filter(due_date__gt=today).count() == 9  # nothing applied yet
    # The maker may not check.
    with pytest.raises(Forbidden):
        restructuring.restructuring_approve(change_id=change.pk, actor=people["officer"])
    approved = restructuring.restructuring_approve(change_id=change.pk, actor=checker)
    assert approved.status == ChangeStatus.APPROVED
    loan.refresh_from_db()
    quote = approved.quote
    assert loan.principal_outstanding == D(quote["new_principal"])
    assert (loan.interest_due, loan.penalty_due, loan.fees_due, loan.days_past_due) == (0, 0, 0, 0)
    assert loan.classification == Classification.SUBSTANDARD
    assert loan.observation_until == today + relativedelta(months=12)
    assert loan.sl_restructured == D(quote["settlement"])
    assert loan.schedule_version == 1
    assert loan.maturity_date == dt.date.fromisoformat(quote["new_schedule"][-1]["due_date"])
    # The arrears were settled by the new principal, not by cash.
    settlement = approved.repayment
    assert settlement.channel == RepaymentChannel.RESTRUCTURE
    assert settlement.amount == D(quote["settlement"])
    assert loan.sl_cash == sum(i.payment for i in loan.installments.order_by("number")[:2])
    stored = list(loan.installments.filter(due_date__gt=today).order_by("number").values("payment"))
    assert [str(r["payment"]) for r in stored] == [r["payment"] for r in quote["new_schedule"]]
    assert JournalEntry.objects.filter(loan=loan, kind=EntryKind.CAPITALISATION).exists()
    _ledger_balanced(loan)
    events = LoanEvent.objects.filter(loan=loan)
    assert events.filter(from_state="pending", to_state="approved", actor=checker).count() == 1
    assert events.filter(payload__restructured=True).count() == 1
    # The engine's view of the loan is the new schedule: later changes quote on it.
    after = prepayments.prepayment_quote(loan=loan, amount=D("1000.00"), mode="reduce_installment")
    assert len(after["new_schedule"]) == 24
    assert deferrals.deferral_quote(loan=loan, installments=1)["new_schedule"]
    # The settlement is no payment to reverse.
    with pytest.raises(Conflict):
        repayments.repayment_reverse(repayment=settlement, reason="bounced", actor=checker)
    # Applied once: a second approval is a conflict.
    with pytest.raises(Conflict):
        restructuring.restructuring_approve(change_id=change.pk, actor=checker)


def test_customers_and_bad_input_are_refused(people, checker):
    loan = _overdue_loan(people)
    with pytest.raises(Forbidden):
        restructuring.restructuring_request(loan=loan, term=12, reason="x", actor=people["owner"])
    with pytest.raises(Invalid) as bad:
        restructuring.restructuring_request(loan=loan, term=0, reason="x", actor=people["officer"])
    assert "term_months" in bad.value.errors
    with pytest.raises(Invalid) as bad:
        restructuring.restructuring_request(
            loan=loan, annual_rate=D("0.5"), reason="x", actor=people["officer"]
        )
    assert "annual_rate" in bad.value.errors
    with pytest.raises(Invalid) as bad:
        restructuring.restructuring_request(loan=loan, term=12, reason=" ", actor=people["officer"])
    assert "reason" in bad.value.errors
    change = restructuring.restructuring_request(loan=loan, term=12, reason="x", actor=people["officer"])
    with pytest.raises(Conflict):
        restructuring.restructuring_request(loan=loan, term=18, reason="y", actor=checker)
    rejected = restructuring.restructuring_reject(change_id=change.pk, actor=checker, reason="no")
    assert rejected.status == ChangeStatus.REJECTED
    loan.refresh_from_db()
    assert loan.schedule_version == 0
    assert loan.observation_until is None


def test_a_payment_since_the_request_makes_the_approval_a_conflict(people, checker):
    loan = _overdue_loan(people)
    change = restructuring.restructuring_request(loan=loan, term=12, reason="x", actor=people["officer"])
    repayments.repayment_post(loan=loan, amount=D("100.00"), actor=people["owner"])
    with pytest.raises(Conflict):
        restructuring.restructuring_approve(change_id=change.pk, actor=checker)


def test_observation_floor_rule():
    until = dt.date(2026, 6, 30)
    assert rules.observation_floor(until, dt.date(2026, 6, 30)) == Classification.SUBSTANDARD
    assert rules.observation_floor(until, dt.date(2026, 7, 1)) == ""
    assert rules.observation_floor(None, dt.date(2026, 7, 1)) == ""
    # A day past due within the period starts it again; none after it, or when paid on time.
    assert rules.observation_end(until, dt.date(2026, 3, 1), 0) == until
    assert rules.observation_end(until, dt.date(2026, 3, 1), 3) == dt.date(2027, 3, 1)
    assert rules.observation_end(until, dt.date(2026, 7, 2), 3) == until


def test_close_of_business_keeps_the_floor_and_restarts_it_when_late(people, checker, settings):
    """Observation of two months: close of business (set-based) keeps the loan substandard while
    current; the first new installment paid late starts the period again; once a period ends
    with nothing late the loan leaves the floor. The replay agrees with close of business."""
    from tests.servicing.test_cob_replay import _check_against_replay

    settings.LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS = 2
    loan = _overdue_loan(people, late_days=5)
    start = open_business_date()
    cob.close_through(start - dt.timedelta(days=1), start=start - dt.timedelta(days=1))
    change = restructuring.restructuring_request(loan=loan, term=6, reason="x", actor=people["officer"])
    restructuring.restructuring_approve(change_id=change.pk, actor=checker)
    loan.refresh_from_db()
    first = loan.installments.filter(due_date__gt=start).order_by("number").first()
    assert loan.observation_until == start + relativedelta(months=2)
    # Current until the first new installment: still substandard, by the floor alone.
    cob.close_through(first.due_date - dt.timedelta(days=1))
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.classification) == (0, Classification.SUBSTANDARD)
    _check_against_replay([(loan, None)])
    # Late beyond the grace days within the period: the period starts again.
    cob.close_through(first.due_date + dt.timedelta(days=loan.overdue_grace_days + 1))
    loan.refresh_from_db()
    assert loan.days_past_due > 0
    assert loan.observation_until == open_business_date() + relativedelta(months=2)
    repayments.repayment_post(
        loan=loan,
        amount=loan.principal_outstanding - first.balance + loan.interest_due + loan.penalty_due,
        actor=people["owner"],
    )
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.classification) == (0, Classification.SUBSTANDARD)
    _ledger_balanced(loan)
    # The period ends with nothing late: the next close lifts the floor.
    Loan.objects.filter(pk=loan.pk).update(observation_until=open_business_date())
    cob.close_through(open_business_date() + dt.timedelta(days=1))
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.classification) == (0, Classification.PASS)
    _check_against_replay([(loan, None)])
    _ledger_balanced(loan)


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_restructuring_needs_a_second_officer(people, checker):
    loan = _overdue_loan(people)
    url = f"/api/v1/loans/{loan.pk}/restructurings/"
    body = {"term_months": 24, "annual_rate": "0.048", "reason": "income fell"}
    assert _client(people["owner"]).post(url, body, format="json").status_code == 403
    assert _client(people["other"]).post(url, body, format="json").status_code == 404
    bad = _client(people["officer"]).post(url, {**body, "term_months": 0}, format="json")
    assert bad.status_code == 400
    assert "term_months" in bad.json()["errors"]
    made = _client(people["officer"]).post(url, body, format="json")
    assert made.status_code == 201, made.json()
    change = made.json()
    assert change["status"] == "pending"
    assert len(change["quote"]["new_schedule"]) == 24
    assert D(change["amount"]) == D(change["quote"]["new_principal"])
    same = _client(people["officer"]).post(f"{url}{change['id']}/approve/", {}, format="json")
    assert same.status_code == 403
    assert (
        _client(people["owner"]).post(f"{url}{change['id']}/approve/", {}, format="json").status_code == 403
    )
    done = _client(checker).post(f"{url}{change['id']}/approve/", {}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "approved"
    shown = _client(people["owner"]).get(f"/api/v1/loans/{loan.pk}/").json()
    assert shown["classification"] == "substandard"
    assert D(shown["outstanding"]["principal"]) == D(change["quote"]["new_principal"])
    assert shown["observation_until"] == change["quote"]["observation_until"]
