"""The product's overdue grace days on a credit line's minimum: the instalment loans' rule
(servicing.position: `days_past_due` and the replay's `grace_ends`), applied by
products.engine.revolving and servicing.lines.

The rule: with grace days g, a minimum unpaid after its due date is not past due through the end
of day due + g (days past due 0, no penalty); covered by then it never bears penalty (the grace
is a waiver for paying in time, not a shift of the due date). Still not covered at the end of day
due + g, it is past due counted from the due date and bears penalty from the due date on each
day's end-of-day unpaid amount.

Worked example (test_credit_line_penalty.py's): 10,000 drawn at 3.65 % on 10 January; the
10 February statement's minimum is 1,032.00, due 20 days later; penalty rate 3.65 % × 1.5 =
5.475 %. The product gives 3 grace days.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from loanhub.money import quantize_money
from products import engine
from servicing import lines
from servicing.models import CreditLine, CreditLineEvent
from tests.servicing.factories import active_version
from tests.servicing.lines_helpers import on, open_line, opening_day
from tests.servicing.test_credit_line_penalty import PENALTY_RATE, assert_books_match, balance

pytestmark = pytest.mark.django_db
D = Decimal
Z = D("0.00")
DAY = dt.timedelta(days=1)
GRACE = 3


def graced_line(grace: int = GRACE) -> tuple[CreditLine, dt.date, dt.date]:
    """The worked example's line on a product with `grace` overdue grace days."""
    opened = opening_day()
    line = open_line(opened_on=opened, version=active_version(overdue_grace_days=grace))
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("10000.00"), actor=line.customer.user)
    statement = dt.date(opened.year, 2, 10)
    return line, statement, statement + 20 * DAY


def test_the_grace_days_are_pinned_from_the_product_at_opening():
    line, _, _ = graced_line()
    assert line.overdue_grace_days == GRACE
    # a later change to the product does not move an open line's terms (as for loans)
    line.product_version.overdue_grace_days = 10
    line.product_version.save(update_fields=["overdue_grace_days"])
    line.refresh_from_db()
    assert line.overdue_grace_days == GRACE


def test_a_minimum_paid_on_the_last_grace_day_costs_no_penalty_and_never_shows_past_due():
    line, statement, due = graced_line()
    lines.credit_line_refresh(line, as_of=statement + DAY)
    # Within the grace days (due + 1 .. due + 3) the unpaid minimum is not past due
    for offset in range(1, GRACE + 1):
        line = lines.credit_line_refresh(line, as_of=due + offset * DAY)
        assert (line.days_past_due, line.overdue_amount, line.penalty_charged) == (0, Z, Z), offset
        assert (line.classification, line.ifrs9_stage) == ("pass", 1)
    # Paid on the last grace day, due + 3: the 4 days of penalty (0.62, below) are waived
    with on(due + GRACE * DAY):
        paid = lines.credit_line_repay(line=line, amount=D("1032.00"), actor=line.customer.user)
    assert paid.penalty == Z
    for offset in (GRACE + 1, GRACE + 10):
        line = lines.credit_line_refresh(line, as_of=due + offset * DAY)
        assert (line.days_past_due, line.penalty_charged, line.penalty_due) == (0, Z, Z)
    assert not CreditLineEvent.objects.filter(credit_line=line, reason="overdue").exists()
    assert balance("4300") == Z
    assert_books_match(line)


def test_unpaid_a_day_after_the_grace_it_is_past_due_from_the_due_date_with_penalty_from_it():
    line, statement, due = graced_line()
    # Close of business every day from the statement: the last grace day shows nothing overdue
    day = statement
    while day < due + GRACE * DAY:
        lines.credit_lines_close_day(business_date=day)
        day += DAY
    line.refresh_from_db()
    assert (line.position_date, line.days_past_due, line.penalty_charged) == (due + GRACE * DAY, 0, Z)

    # Closing due + 3 unpaid ends the grace: 4 days past due (counted from the due date, the
    # loans' rule), and penalty for the 4 days due .. due + 3:
    # 1,032.00 × 0.05475 × 4 / 365 = 0.6192 -> 0.62
    lines.credit_lines_close_day(business_date=due + GRACE * DAY)
    line.refresh_from_db()
    assert (line.days_past_due, line.overdue_amount, line.penalty_charged) == (4, D("1032.00"), D("0.62"))
    assert (line.classification, line.ifrs9_stage) == ("special_mention", 2)
    assert CreditLineEvent.objects.filter(credit_line=line, reason="overdue").count() == 1
    assert_books_match(line)

    # Ten days from the due date it owes what a line without grace owes:
    # 1,032.00 × 0.05475 × 10 / 365 = 1.548 -> 1.55, rounded once (not 0.62 + 6 days)
    for day in (due + 4 * DAY, due + 5 * DAY, due + 9 * DAY):
        lines.credit_lines_close_day(business_date=day)
    line.refresh_from_db()
    assert (line.days_past_due, line.penalty_charged, line.penalty_due) == (10, D("1.55"), D("1.55"))
    assert (balance("1240"), balance("4300")) == (D("1.55"), D("-1.55"))
    assert_books_match(line)

    # A repayment pays the penalty first, as without grace
    with on(due + 10 * DAY):
        part = lines.credit_line_repay(line=line, amount=D("100.00"), actor=line.customer.user)
    assert part.penalty == D("1.55")
    assert_books_match(line)


def test_a_part_payment_within_the_grace_does_not_waive_the_rest():
    line, _, due = graced_line()
    # 532.00 on due + 1 leaves 500.00 of the minimum unpaid when the grace ends
    with on(due + DAY):
        part = lines.credit_line_repay(line=line, amount=D("532.00"), actor=line.customer.user)
    assert part.penalty == Z
    line = lines.credit_line_refresh(line, as_of=due + GRACE * DAY)
    assert (line.days_past_due, line.penalty_charged) == (0, Z)
    # End-of-day amounts from the due date: 1,032.00 (due), then 500.00 (due + 1 .. due + 3):
    # (1,032.00 + 500.00 × 3) × 0.05475 / 365 = 2,532.00 × 0.05475 / 365 = 0.3798 -> 0.38
    line = lines.credit_line_refresh(line, as_of=due + (GRACE + 1) * DAY)
    assert (line.days_past_due, line.overdue_amount, line.penalty_charged) == (4, D("500.00"), D("0.38"))
    assert_books_match(line)


def test_the_api_shows_the_grace_days_and_no_past_due_within_them():
    line, _, due = graced_line()
    lines.credit_line_refresh(line, as_of=due + GRACE * DAY)
    api = APIClient()
    api.force_authenticate(line.customer.user)
    body = api.get(f"/api/v1/credit-lines/{line.pk}/").json()
    assert (body["days_past_due"], body["minimum_due"], body["classification"]) == (0, "1032.00", "pass")
    assert (body["penalty"]["grace_days"], body["penalty"]["accrued"]) == (GRACE, "0.00")
    lines.credit_line_refresh(line, as_of=due + (GRACE + 1) * DAY)
    body = api.get(f"/api/v1/credit-lines/{line.pk}/").json()
    assert (body["days_past_due"], body["penalty"]["accrued"]) == (4, "0.62")


def test_the_migration_gives_existing_lines_their_products_grace_days():
    line, _, _ = graced_line()
    CreditLine.objects.filter(pk=line.pk).update(overdue_grace_days=0)
    migration = importlib.import_module("servicing.migrations.0024_credit_line_grace_days_non_accrual")
    migration.pin_grace_days(django_apps, None)
    line.refresh_from_db()
    assert line.overdue_grace_days == GRACE


@pytest.mark.parametrize("grace", [0, 1, 5, 30])
@pytest.mark.parametrize("late", [0, 1, 7])
def test_engine_penalty_after_the_grace_equals_the_no_grace_penalty(grace, late):
    # No database: unpaid `late` days after the grace, the penalty is the minimum × rate × days
    # since the due date / 365 rounded once -- what a line without grace owes on that date;
    # paid on the last grace day it is nothing.
    opened = dt.date(2027, 1, 10)
    common = {
        "credit_limit": D("50000.00"),
        "annual_rate": D("0.0365"),
        "statement_day": 10,
        "opened_on": opened,
        "minimum_principal_rate": D("0.10"),
        "penalty_rate": PENALTY_RATE,
        "due_days": 20,
        "grace_days": grace,
    }
    draw = engine.LineTransaction(opened, engine.TransactionKind.DRAW, D("10000.00"))
    due = dt.date(2027, 2, 10) + 20 * DAY  # the first statement (10 February) + due_days
    as_of = due + (grace + 1 + late) * DAY
    state = engine.revolving_run(**common, transactions=[draw], as_of=as_of)
    days = (as_of - due).days
    assert state.penalty_charged == quantize_money(D("1032.00") * PENALTY_RATE * days / 365)
    assert state.overdue_amount == D("1032.00")
    if grace:
        in_grace = engine.revolving_run(**common, transactions=[draw], as_of=due + grace * DAY)
        assert (in_grace.penalty_charged, in_grace.overdue_amount) == (Z, Z)
    pay = engine.LineTransaction(due + grace * DAY, engine.TransactionKind.REPAYMENT, D("1032.00"))
    paid = engine.revolving_run(**common, transactions=[draw, pay], as_of=as_of)
    assert (paid.allocations[-1].penalty, paid.penalty_charged) == (Z, Z)


def test_engine_refuses_negative_grace_days():
    with pytest.raises(engine.EngineValidationError) as caught:
        engine.revolving_run(
            credit_limit=D("1000.00"),
            annual_rate=D("0.0365"),
            statement_day=10,
            opened_on=dt.date(2027, 1, 10),
            transactions=[],
            as_of=dt.date(2027, 2, 1),
            grace_days=-1,
        )
    assert "grace_days" in caught.value.errors


# --- non-accrual from 90 days past due (servicing.rules.non_accrual, the loans' rule) -----------
def test_from_90_days_past_due_unpaid_interest_and_penalty_are_held_in_suspense_until_paid():
    line, _, due = graced_line(grace=0)
    # 89 days past due: still accruing, nothing in suspense
    line = lines.credit_line_refresh(line, as_of=due + 89 * DAY)
    assert (line.days_past_due, line.non_accrual, line.suspense_interest, line.suspense_penalty) == (
        89,
        False,
        Z,
        Z,
    )
    assert_books_match(line)

    # 90 days past due: non-accrual. Nothing has been paid, so all the interest earned is in
    # suspense: 10,000 × 3.65 % / 365 = 1.00 a day from the opening day, so as many units as
    # days since opening; and all the penalty charged.
    as_of = due + 90 * DAY
    line = lines.credit_line_refresh(line, as_of=as_of)
    earned = D((as_of - line.opened_on).days) * D("1.00")
    assert (line.days_past_due, line.non_accrual) == (90, True)
    assert line.interest_due + line.accrued_interest == earned == line.suspense_interest
    assert line.suspense_penalty == line.penalty_due == line.penalty_charged > 0
    assert balance("2311") == -earned
    assert balance("2321") == -line.penalty_charged
    # the income accounts hold only what is not in suspense: nothing
    assert (balance("4200"), balance("4300")) == (Z, Z)
    assert_books_match(line)
    api = APIClient()
    api.force_authenticate(line.customer.user)
    assert api.get(f"/api/v1/credit-lines/{line.pk}/").json()["non_accrual"] is True

    # Paying everything off releases the suspense to income: the interest and penalty paid
    with on(as_of):
        paid = lines.credit_line_repay(line=line, amount=line.payoff_amount, actor=line.customer.user)
    line.refresh_from_db()
    assert (line.days_past_due, line.suspense_interest, line.suspense_penalty) == (0, Z, Z)
    assert (balance("2311"), balance("2321")) == (Z, Z)
    assert (balance("4200"), balance("4300")) == (-paid.interest, -paid.penalty)
    assert paid.interest == earned
    assert_books_match(line)
