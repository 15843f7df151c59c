"""A spread payment holiday's interest stays owed after the holiday (issue 14's loose ends): a
payoff owes the parts not yet due, and a partial prepayment, an LPR reset or another deferral
spreads them again over the new rows (`products.engine.holiday`).

Worked example of tests/products/test_engine_deferral_spread.py: 100,000.00 at 6 %, 12 monthly
annuity installments from 2024-01-15 (30/360), installments 4-6 deferred: holiday interest
1,133.37 spread over installments 7..12 as 188.89 x 5 and 188.92.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from products.engine import (
    build_schedule,
    defer_installments,
    defer_installments_spread,
    payoff_quote,
    prepay,
    reprice,
)
from tests.products.test_engine_prepayment import loan

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def _deferred():
    return defer_installments_spread(loan(), first_installment=4, installments=3).remaining


def _without_parts(schedule):
    """The same schedule as if the holiday's parts were not recorded (the old behaviour)."""
    return dataclasses.replace(schedule, deferred_interest=())


def test_the_schedule_records_the_holiday_parts_by_due_date():
    schedule = _deferred()
    assert schedule.deferred_interest == tuple(
        (row.due_date, part)
        for row, part in zip(schedule.rows[3:], (D("188.89"),) * 5 + (D("188.92"),), strict=True)
    )
    assert sum(part for _due, part in schedule.deferred_interest) == D("1133.37")


def test_a_payoff_owes_the_holiday_interest_not_yet_due():
    schedule = _deferred()
    # On the last deferred date (2024-07-15) nothing has accrued: the payoff is the balance and
    # the whole holiday interest.
    quote = payoff_quote(schedule, payoff_date=date(2024, 7, 15))
    assert (quote.principal, quote.interest) == (D("75558.28"), D("1133.37"))
    # Mid-period (after installment 7 fell due): the accrued interest plus the five parts left.
    on = date(2024, 9, 1)
    base = payoff_quote(_without_parts(schedule), payoff_date=on)
    quote = payoff_quote(schedule, payoff_date=on)
    assert quote.interest - base.interest == D("1133.37") - D("188.89")
    assert quote.total == base.total + D("944.48")


@pytest.mark.parametrize("mode", ["reduce_installment", "shorten_term"])
def test_a_partial_prepayment_spreads_the_rest_over_the_new_rows(mode):
    # 10,000.00 prepaid on 2024-09-01: the 944.48 not yet due is spread over the rows left.
    schedule = _deferred()
    on = date(2024, 9, 1)
    result = prepay(schedule, prepayment_date=on, amount="10000", mode=mode)
    base = prepay(_without_parts(schedule), prepayment_date=on, amount="10000", mode=mode)
    rows, plain = result.remaining.rows, base.remaining.rows
    k = len(rows)
    part = (D("944.48") / k).quantize(D("0.01"), rounding="ROUND_DOWN")
    expected = (part,) * (k - 1) + (D("944.48") - part * (k - 1),)
    assert tuple(r.interest - p.interest for r, p in zip(rows, plain, strict=True)) == expected
    assert tuple(r.payment - p.payment for r, p in zip(rows, plain, strict=True)) == expected
    assert sum(part for _due, part in result.remaining.deferred_interest) == D("944.48")
    assert result.remaining.summary.total_interest == base.remaining.summary.total_interest + D("944.48")
    # The old figure counted the dropped holiday interest as "saved"; it is owed, not saved.
    assert result.interest_saved == base.interest_saved - D("944.48")
    # and a payoff right after still owes it all.
    later = payoff_quote(result.remaining, payoff_date=rows[0].due_date)
    assert later.interest == D("944.48") - expected[0]


def test_a_reset_spreads_the_rest_over_the_repriced_rows():
    # A reset on 2024-09-15 (installment 8's due date) at 5 %: rows 9..12 are repriced and carry
    # the 1,133.37 - 2 x 188.89 = 755.59 not yet due: 188.89 x 3 and 188.92.
    schedule = _deferred()
    result = reprice(schedule, reset_date=date(2024, 9, 15), annual_rate="0.05")
    base = reprice(_without_parts(schedule), reset_date=date(2024, 9, 15), annual_rate="0.05")
    diffs = tuple(
        r.interest - p.interest for r, p in zip(result.remaining.rows, base.remaining.rows, strict=True)
    )
    assert diffs == (D("188.89"),) * 3 + (D("188.92"),)
    assert [r.principal for r in result.remaining.rows] == [p.principal for p in base.remaining.rows]


def test_a_later_deferral_moves_the_parts_past_its_holiday():
    schedule = _deferred()
    for deferral in (defer_installments, defer_installments_spread):
        rest = deferral(schedule, first_installment=5, installments=2).remaining
        # The 5th row (installment 8) and the 6th are the new holiday; 10..12 carry what of
        # 1,133.37 was not yet due: 1,133.37 - 188.89 = 944.48 (and a spread holiday its own).
        owed = sum(part for _due, part in rest.deferred_interest)
        holiday = getattr(deferral(schedule, first_installment=5, installments=2), "holiday_interest", 0)
        assert owed == D("944.48") + holiday
        assert all(due > rest.rows[1].due_date for due, _part in rest.deferred_interest)


def test_a_capitalised_deferral_over_the_interest_free_installments_left():
    # 10,000.00 at 12 %, 6 monthly installments, the first 3 interest-free; deferring 4 from the
    # 2nd leaves 2 free rows inside a 4-row holiday of a 5-row rest. It was refused with an
    # unrelated "grace periods plus interest-free periods exceed the term" error; now the free
    # rows stay free (nothing to capitalise) and the later holiday rows capitalise their interest.
    schedule = build_schedule(
        principal="10000",
        annual_rate="0.12",
        term=6,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 15),
        interest_free_periods=3,
    )
    result = defer_installments(schedule, first_installment=2, installments=4)
    rows = result.remaining.rows
    assert [r.number for r in rows] == [2, 3, 4, 5, 6]
    assert [r.payment for r in rows[:4]] == [D("0.00")] * 4
    assert [r.interest for r in rows[:2]] == [D("0.00")] * 2  # still interest-free
    assert rows[2].interest > 0
    assert result.capitalised_interest == rows[2].interest + rows[3].interest
    assert rows[-1].balance == 0
    assert sum(r.principal for r in rows) == schedule.rows[0].balance
