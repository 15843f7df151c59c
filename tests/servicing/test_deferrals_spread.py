"""Deferral with the holiday's interest spread over the remaining installments, per the
product's rule (issue 14): the quote, the approval (ledger balanced, replay consistent), and
close of business through the holiday."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from products import engine
from products.models import ProductVersion
from servicing import cob, deferrals, repayments
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import ChangeStatus
from servicing.models import LoanEvent
from tests.servicing.cob_helpers import check_ledger
from tests.servicing.test_prepayments import _loan

pytestmark = pytest.mark.django_db


def _spread_loan(people):
    loan = _loan(people)
    ProductVersion.objects.filter(pk=loan.product_version_id).update(deferral_interest="spread")
    loan.refresh_from_db()
    return loan


def test_the_product_rule_spreads_the_holiday_interest(people):
    loan = _spread_loan(people)
    outstanding = loan.principal_outstanding
    schedule = sc.engine_schedule(loan)
    first = next(i + 1 for i, r in enumerate(schedule.rows) if r.due_date > open_business_date())

    quote = deferrals.deferral_quote(loan=loan, installments=2)

    expected = engine.defer_installments_spread(schedule, first_installment=first, installments=2)
    assert quote["interest_rule"] == "spread"
    assert quote["capitalised_interest"] == 0
    assert quote["spread_interest"] == expected.holiday_interest > 0
    rows = quote["new_schedule"]
    assert [(r["payment"], r["principal"], r["interest"]) for r in rows[:2]] == [(0, 0, 0)] * 2
    # The original balance is repaid (nothing capitalised), the maturity date kept; the extra
    # interest of the later rows adds up to the holiday's interest exactly.
    assert sum(r["principal"] for r in rows) == outstanding
    assert rows[-1]["due_date"] == loan.maturity_date
    assert sum(expected.spread) == quote["spread_interest"]
    assert all(r["payment"] >= 0 and r["interest"] >= 0 for r in rows)


def test_the_default_rule_still_capitalises(people):
    loan = _loan(people)
    quote = deferrals.deferral_quote(loan=loan, installments=1)
    assert quote["interest_rule"] == "capitalise"
    assert quote["capitalised_interest"] > 0
    assert quote["spread_interest"] == 0


def test_approval_applies_the_spread_schedule_and_the_ledger_balances(people, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    loan = _spread_loan(people)
    change = deferrals.deferral_request(loan=loan, installments=2, reason="illness", actor=people["owner"])
    assert change.params["interest_rule"] == "spread"
    approved = deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    assert approved.status == ChangeStatus.APPROVED
    loan.refresh_from_db()
    stored = list(
        loan.installments.filter(due_date__gt=open_business_date())
        .order_by("number")
        .values_list("payment", "principal", "interest")
    )
    shown = approved.quote["new_schedule"]
    assert [tuple(str(v) for v in row) for row in stored] == [
        (r["payment"], r["principal"], r["interest"]) for r in shown
    ]
    # The loan's schedule replayed from its changes is the one stored (the rule is kept).
    replayed = sc.engine_schedule(loan).rows
    assert [r.payment for r in replayed] == [p for p, _, _ in stored]
    event = LoanEvent.objects.get(loan=loan, from_state="pending", to_state="approved")
    assert event.payload["interest_rule"] == "spread"
    assert D(event.payload["spread_interest"]) == D(approved.quote["spread_interest"])
    assert loan.principal_outstanding == sum(D(r["principal"]) for r in shown)
    check_ledger()


def test_close_of_business_through_a_spread_holiday(people, settings):
    """The deferred installments owe nothing, nothing is capitalised, and the first installment
    after the holiday, paid as shown, leaves the loan current."""
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    loan = _spread_loan(people)
    start = open_business_date()
    cob.close_through(start - dt.timedelta(days=1), start=start - dt.timedelta(days=1))
    change = deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["owner"])
    deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    second = change.quote["new_schedule"][1]
    cob.close_through(dt.date.fromisoformat(second["due_date"]) - dt.timedelta(days=1))
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    assert loan.sl_capitalised == 0
    repayments.repayment_post(loan=loan, amount=D(second["payment"]), actor=people["owner"])
    cob.close_through(open_business_date() + dt.timedelta(days=3))
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    assert loan.penalty_due == 0
    check_ledger()


def test_the_api_shows_the_rule_and_the_spread_interest(people):
    from rest_framework.test import APIClient

    loan = _spread_loan(people)
    client = APIClient()
    client.force_authenticate(people["owner"])
    asked = client.post(
        f"/api/v1/loans/{loan.pk}/deferrals/", {"installments": 1, "reason": "moving"}, format="json"
    )
    assert asked.status_code == 201, asked.json()
    quote = asked.json()["quote"]
    assert quote["interest_rule"] == "spread"
    assert quote["capitalised_interest"] == "0.00"
    assert D(quote["spread_interest"]) > 0
    assert quote["new_schedule"][0]["payment"] == "0.00"
