"""Revolving credit lines (随借随还): draws, repayments, daily interest, statements with a minimum
due, overdue and cured, the ledger, close of business, and the line's state machine.

Figures follow the engine's worked example (tests/products/test_engine_revolving.py): 3.65 % a
year on ACT/365 is exactly 1.00 a day per 10,000 drawn.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loanhub import roles
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.money import quantize_money
from servicing import lines
from servicing.models import (
    CreditLine,
    CreditLineEvent,
    CreditLineStatement,
    CreditLineTransaction,
    JournalEntry,
    Posting,
)
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory
from tests.servicing.lines_helpers import on, open_line, opening_day

pytestmark = pytest.mark.django_db
D = Decimal
Z = D("0.00")
DAY = dt.timedelta(days=1)


def close_days(line: CreditLine, first: dt.date, last: dt.date) -> CreditLine:
    """Close of business for the lines, every date from `first` through `last`."""
    day = first
    while day <= last:
        lines.credit_lines_close_day(business_date=day)
        day += DAY
    line.refresh_from_db()
    return line


def balance(code: str) -> Decimal:
    total = Z
    for debit, credit in Posting.objects.filter(account__code=code).values_list("debit", "credit"):
        total += debit - credit
    return total


def assert_books_match(line: CreditLine) -> None:
    """Every entry balances; the line accounts hold the line's principal and unpaid interest."""
    for entry in JournalEntry.objects.all():
        legs = list(entry.postings.values_list("debit", "credit"))
        assert sum(d for d, _ in legs) == sum(c for _, c in legs), entry
    line.refresh_from_db()
    assert balance("1130") == line.principal
    assert balance("1230") == line.interest_due + line.accrued_interest
    assert balance("1240") == line.penalty_due
    assert balance("1291") == -line.reserve


def test_a_line_drawn_repaid_overdue_and_cured():
    opened = opening_day()
    line = open_line(opened_on=opened)
    owner = line.customer.user
    assert (line.status, line.available, line.statement_day) == ("active", D("50000.00"), 10)

    # Given 10,000 drawn on the opening day
    with on(opened):
        draw = lines.credit_line_draw(line=line, amount=D("10000.00"), actor=owner)
    line.refresh_from_db()
    assert (draw.kind, draw.value_date, line.principal, line.available) == (
        "draw",
        opened,
        D("10000.00"),
        D("40000.00"),
    )

    # When close of business runs ten days: 10 days x 1.00 accrued and booked
    line = close_days(line, opened, opened + 9 * DAY)
    assert (line.position_date, line.accrued_interest, line.interest_booked) == (
        opened + 10 * DAY,
        D("10.00"),
        D("10.00"),
    )
    assert_books_match(line)

    # And 3,000 is repaid on day 11: the 10.00 interest first, then 2,990.00 of principal,
    # which is available to draw again at once
    with on(opened + 10 * DAY):
        repayment = lines.credit_line_repay(line=line, amount=D("3000.00"), actor=owner)
    line.refresh_from_db()
    assert (repayment.interest, repayment.principal) == (D("10.00"), D("2990.00"))
    assert (line.principal, line.available, line.interest_due, line.accrued_interest) == (
        D("7010.00"),
        D("42990.00"),
        Z,
        Z,
    )
    assert_books_match(line)

    # Then the statement on 10 February shows the cycle's interest, 10.00 charged at the repayment
    # + 22 days x 0.701 = 15.422 -> 15.42, and a minimum due of the unpaid 15.42 + 10 % of the
    # principal, due 20 days later
    statement_day = dt.date(opened.year, 2, 10)
    line = close_days(line, opened + 10 * DAY, statement_day)
    statement = CreditLineStatement.objects.get(credit_line=line)
    due = statement_day + 20 * DAY
    assert (statement.statement_date, statement.interest, statement.minimum_due, statement.due_date) == (
        statement_day,
        D("25.42"),
        D("716.42"),
        due,
    )
    assert (line.minimum_due, line.due_date, line.days_past_due) == (D("716.42"), due, 0)
    assert_books_match(line)

    # When the due date passes unpaid, the line is a day past due, special mention, and refuses draws
    line = close_days(line, statement_day + DAY, due)
    assert (line.days_past_due, line.delinquency_bucket, line.classification) == (
        1,
        "1-30",
        "special_mention",
    )
    assert (line.overdue_amount, line.penalty_due, line.ifrs9_stage) == (D("716.42"), D("0.11"), 2)
    assert_books_match(line)
    assert CreditLineEvent.objects.filter(credit_line=line, reason="overdue").count() == 1
    with on(due + DAY), pytest.raises(Conflict):
        lines.credit_line_draw(line=line, amount=D("1.00"), actor=owner)

    # And paying the minimum with its day of penalty interest cures it: 716.42 x (3.65 % x 1.5)
    # / 365 x 1 day = 0.1075 -> 0.11, paid first (Civil Code art. 561), then the 716.42
    with on(due + DAY):
        cure = lines.credit_line_repay(line=line, amount=D("716.53"), actor=owner)
    line.refresh_from_db()
    # (the interest is the statement's 15.42 + 20 days x 0.701 = 14.02 charged now)
    assert (cure.penalty, cure.interest, cure.principal) == (D("0.11"), D("29.44"), D("686.98"))
    assert (line.days_past_due, line.classification, line.minimum_due, line.penalty_due) == (0, "pass", Z, Z)
    assert CreditLineEvent.objects.filter(credit_line=line, reason="cured").count() == 1
    assert_books_match(line)


def test_a_draw_above_the_available_limit_names_amount_and_changes_nothing():
    opened = opening_day()
    line = open_line(opened_on=opened)
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("49000.00"), actor=line.customer.user)
        entries = JournalEntry.objects.count()
        with pytest.raises(Invalid) as refused:
            lines.credit_line_draw(line=line, amount=D("1000.01"), actor=line.customer.user)
    assert list(refused.value.errors) == ["amount"]
    assert "1000.00" in str(refused.value.errors["amount"][0])
    line.refresh_from_db()
    assert (line.principal, CreditLineTransaction.objects.count(), JournalEntry.objects.count()) == (
        D("49000.00"),
        1,
        entries,
    )


@pytest.mark.parametrize("amount", [D("0"), D("-5.00"), D("0.001"), D("10000000000.01")])
def test_bad_amounts_are_field_errors(amount):
    line = open_line()
    with on(line.opened_on), pytest.raises(Invalid) as refused:
        lines.credit_line_draw(line=line, amount=amount, actor=line.customer.user)
    assert list(refused.value.errors) == ["amount"]
    assert CreditLineTransaction.objects.count() == 0


def test_a_repayment_above_what_is_owed_is_refused():
    opened = opening_day()
    line = open_line(opened_on=opened)
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("100.00"), actor=line.customer.user)
    with on(opened + 5 * DAY), pytest.raises(Invalid) as refused:
        # 100 + 5 days x 0.01 = 100.05 owed
        lines.credit_line_repay(line=line, amount=D("100.06"), actor=line.customer.user)
    assert list(refused.value.errors) == ["amount"]
    with on(opened + 5 * DAY):
        lines.credit_line_repay(line=line, amount=D("100.05"), actor=line.customer.user)
    line.refresh_from_db()
    assert line.payoff_amount == Z


def test_close_of_business_twice_posts_nothing_more():
    opened = opening_day()
    line = open_line(opened_on=opened)
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("10000.00"), actor=line.customer.user)
    close_days(line, opened, opened + 4 * DAY)
    entries = JournalEntry.objects.count()
    close_days(line, opened, opened + 4 * DAY)
    line.refresh_from_db()
    assert (JournalEntry.objects.count(), line.interest_booked) == (entries, D("5.00"))


def test_others_may_not_draw_or_repay_and_staff_may_only_repay():
    line = open_line()
    stranger = CustomerFactory().user
    auditor = UserFactory(username="auditor-l", role=roles.AUDITOR)
    officer = UserFactory(username="officer-l", role=roles.LOAN_OFFICER)
    with on(line.opened_on):
        with pytest.raises(NotFound):
            lines.credit_line_draw(line=line, amount=D("1.00"), actor=stranger)
        with pytest.raises(Forbidden):
            lines.credit_line_repay(line=line, amount=D("1.00"), actor=auditor)
        with pytest.raises(Forbidden):  # a draw pays money out: the customer's own act only
            lines.credit_line_draw(line=line, amount=D("1.00"), actor=officer)
        lines.credit_line_draw(line=line, amount=D("1.00"), actor=line.customer.user)
        lines.credit_line_repay(line=line, amount=D("1.00"), actor=officer)  # received at a branch
    assert list(CreditLineTransaction.objects.order_by("id").values_list("kind", "created_by__username")) == [
        ("draw", line.customer.user.username),
        ("repayment", "officer-l"),
    ]


def test_a_frozen_line_takes_repayments_but_no_draws_and_closes_when_nothing_is_owed():
    opened = opening_day()
    line = open_line(opened_on=opened)
    officer = UserFactory(username="officer-f", role=roles.LOAN_OFFICER)
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("500.00"), actor=line.customer.user)
        lines.credit_line_freeze(line=line, actor=officer, reason="fraud alert")
        with pytest.raises(Conflict):
            lines.credit_line_draw(line=line, amount=D("1.00"), actor=line.customer.user)
        with pytest.raises(Conflict):
            lines.credit_line_close(line=line, actor=officer)  # 500 still owed
        lines.credit_line_repay(line=line, amount=D("500.00"), actor=line.customer.user)
        closed = lines.credit_line_close(line=line, actor=officer, reason="customer asked")
    assert closed.status == "closed"
    events = CreditLineEvent.objects.filter(credit_line=line).order_by("id")
    assert [(e.from_state, e.to_state) for e in events if e.from_state != e.to_state] == [
        ("", "active"),
        ("active", "frozen"),
        ("frozen", "closed"),
    ]
    with on(opened), pytest.raises(Conflict):
        lines.credit_line_repay(line=line, amount=D("1.00"), actor=line.customer.user)


@pytest.mark.parametrize(
    ("state", "name"),
    [
        ("active", "unfreeze"),
        ("frozen", "freeze"),
        ("closed", "freeze"),
        ("closed", "unfreeze"),
        ("closed", "close"),
    ],
)
def test_every_illegal_transition_is_refused_and_changes_nothing(state, name):
    line = open_line()
    CreditLine.objects.filter(pk=line.pk).update(status=state)
    officer = UserFactory(username="officer-t", role=roles.LOAN_OFFICER)
    events = CreditLineEvent.objects.count()
    with pytest.raises(Conflict):
        getattr(lines, f"credit_line_{name}")(line=line, actor=officer, reason="x")
    line.refresh_from_db()
    assert (line.status, CreditLineEvent.objects.count()) == (state, events)


def test_a_customer_may_not_freeze_a_line():
    line = open_line()
    with pytest.raises(Forbidden):
        lines.credit_line_freeze(line=line, actor=line.customer.user, reason="x")
    line.refresh_from_db()
    assert line.status == "active"


def test_a_second_line_for_the_same_origin_is_refused():
    line = open_line()
    with pytest.raises(lines.CreditLineAlreadyOpen):
        open_line(customer=line.customer)
    assert CreditLine.objects.count() == 1


class _Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    principal=st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("0.36"), places=4),
    days=st.integers(min_value=1, max_value=31),
    cadence=st.sets(st.integers(min_value=0, max_value=30)),
)
def test_interest_over_n_days_is_rounded_once_whatever_the_close_of_business_cadence(
    principal, rate, days, cadence
):
    # Interest over N days within a statement cycle = principal x rate x N / 365, rounded half-up
    # once (ACT/365, 按日计息), however many times close of business booked it in between.
    opened = opening_day()
    expected = quantize_money(principal * rate * days / 365)
    try:
        with transaction.atomic():
            line = open_line(opened_on=opened, rate=rate)
            with on(opened):
                lines.credit_line_draw(line=line, amount=principal, actor=None)
            for day in sorted(d for d in cadence if d < days):
                lines.credit_line_refresh(line, as_of=opened + day * DAY)
            line = lines.credit_line_refresh(line, as_of=opened + days * DAY)
            assert line.accrued_interest == expected
            assert line.interest_booked == expected
            assert balance("1230") == expected
            assert balance("4200") == -expected
            raise _Rollback
    except _Rollback:
        pass


def test_the_close_of_business_run_accrues_the_lines_and_moves_their_open_date():
    from servicing.calendar import open_business_date
    from servicing.cob.runs import close_through

    opened = opening_day()
    line = open_line(opened_on=opened)
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("20000.00"), actor=line.customer.user)
        close_through(opened + 4 * DAY, start=opened, inline=True)
        assert open_business_date() == opened + 5 * DAY
        # a repayment now takes servicing's open date, after the five closed days
        repaid = lines.credit_line_repay(line=line, amount=D("10.00"), actor=line.customer.user)
    line.refresh_from_db()
    assert (repaid.value_date, repaid.interest, repaid.principal) == (opened + 5 * DAY, D("10.00"), Z)
    assert (line.position_date, line.interest_booked, line.accrued_interest) == (
        opened + 5 * DAY,
        D("10.00"),
        Z,
    )
    assert_books_match(line)
