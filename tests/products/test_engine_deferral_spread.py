"""Deferral with the holiday's interest spread over the remaining installments (issue 14):
worked examples against hand-computed figures, and properties over random loans (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from products.engine import (
    EngineValidationError,
    Method,
    annuity_payment,
    build_schedule,
    defer_installments_spread,
    quantize_money,
)
from tests.products.test_engine_prepayment import loan
from tests.products.test_engine_properties import loan_terms
from tests.products.test_engine_schedule import assert_schedule_invariants

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def test_worked_example_30_360() -> None:
    # 100,000.00 at 6 %, 12 monthly annuity installments from 2024-01-15, 30/360; installments 1-3
    # paid, balance 75,558.28. Deferring 4, 5 and 6 (a 90-day holiday by 30/360):
    #   holiday interest = 75,558.28 x 6 % x 90/360 = 1,133.3742 -> 1,133.37
    #   spread over the 6 installments left (7..12): 1,133.37 / 6 = 188.895 -> 188.89 (down),
    #   the last 1,133.37 - 5 x 188.89 = 188.92
    #   the principal: 75,558.28 re-amortised over 6 months at 0.5 %:
    #   75,558.28 x 0.005 / (1 - 1.005^-6) = 12,814.34 a month; row 7's interest 377.79 + 188.89.
    schedule = loan()
    assert schedule.rows[2].balance == D("75558.28")

    result = defer_installments_spread(schedule, first_installment=4, installments=3)

    rows = result.remaining.rows
    assert result.holiday_interest == D("1133.37")
    assert result.spread == (D("188.89"),) * 5 + (D("188.92"),)
    assert [(r.number, r.payment, r.principal, r.interest, r.balance) for r in rows[:3]] == [
        (n, D(0), D(0), D(0), D("75558.28")) for n in (4, 5, 6)
    ]
    assert quantize_money(annuity_payment(D("75558.28"), D("0.005"), 6)) == D("12814.34")
    assert (rows[3].number, rows[3].principal, rows[3].interest, rows[3].payment) == (
        7,
        D("12436.55"),
        D("377.79") + D("188.89"),
        D("12814.34") + D("188.89"),
    )
    assert rows[-1].interest - result.spread[-1] == D("63.75")  # 12,750.60 x 0.5 % = 63.753
    assert rows[-1].due_date == schedule.rows[-1].due_date
    assert sum(r.principal for r in rows) == D("75558.28")
    assert_schedule_invariants(result.remaining)


def test_worked_example_act_365_counts_the_holiday_days() -> None:
    # ACT/365: balance after 3 installments 75,553.97; deferring 4 and 5 (Apr 15 -> Jun 15, 61 days):
    # 75,553.97 x 6 % x 61/365 = 757.6085 -> 757.61, spread as 7 parts of 108.23 (exact).
    schedule = loan(day_count="ACT/365")
    assert schedule.rows[2].balance == D("75553.97")

    result = defer_installments_spread(schedule, first_installment=4, installments=2)

    assert result.holiday_interest == D("757.61")
    assert result.spread == (D("108.23"),) * 7
    assert_schedule_invariants(result.remaining)


def test_small_holiday_interest_over_many_installments_leaves_no_negative_part() -> None:
    # 240 parts of a small holiday interest: rounding each part half-up would overshoot and make the
    # last part negative; rounding down lets the last absorb the remainder.
    schedule = build_schedule(
        principal="30000", annual_rate="0.04", term=242, frequency="monthly", method="annuity",
        start_date=date(2024, 1, 15),
    )  # fmt: skip
    result = defer_installments_spread(schedule, first_installment=2, installments=1)
    assert len(result.spread) == 240
    assert sum(result.spread) == result.holiday_interest
    assert min(result.spread) >= 0
    assert result.spread[-1] >= result.spread[0]
    assert_schedule_invariants(result.remaining)


@pytest.mark.parametrize(
    ("first", "count", "field"),
    [(0, 1, "first_installment"), (4, 0, "installments"), (11, 2, "installments"), (4, "x", "installments")],
)
def test_bad_input_names_the_field(first: object, count: object, field: str) -> None:
    with pytest.raises(EngineValidationError) as caught:
        defer_installments_spread(loan(), first_installment=first, installments=count)
    assert field in caught.value.errors


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kwargs=loan_terms(methods=[Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY], grace=False),
    data=st.data(),
)
def test_spread_deferral_properties(kwargs: dict[str, Any], data: st.DataObject) -> None:
    assume(kwargs["term"] >= 2)
    note(repr(kwargs))
    schedule = build_schedule(**kwargs)
    n = schedule.terms.term
    first = data.draw(st.integers(1, n - 1), label="first")
    count = data.draw(st.integers(1, n - first), label="count")
    assume(first == 1 or schedule.rows[first - 2].balance > 0)  # not repaid early by rounding

    result = defer_installments_spread(schedule, first_installment=first, installments=count)

    rows = result.remaining.rows
    balance = schedule.rows[first - 2].balance if first > 1 else schedule.terms.principal
    # Principal repaid is the original balance (nothing capitalised), on the original due dates.
    assert sum(r.principal for r in rows) == balance
    assert [r.due_date for r in rows] == [r.due_date for r in schedule.rows[first - 1 :]]
    # The spread parts add up to the holiday interest exactly, equal but for the last.
    assert sum(result.spread) == result.holiday_interest
    assert len(set(result.spread[:-1])) <= 1
    assert all(part >= 0 for part in result.spread)
    # Nothing but the periodic fee on the deferred dates; no row negative anywhere.
    for row in rows[:count]:
        assert (row.principal, row.interest, row.payment) == (0, 0, row.fees)
        assert row.balance == balance
    for row in rows:
        assert min(row.payment, row.interest, row.fees, row.balance) >= 0
        # Under ACT day counts the engine's own annuity (build_schedule, without any deferral: 100.03
        # at 9.58 %, 70 annual periods from 2002) can repay a cent or two less than nothing in a long
        # period whose interest exceeds the level payment; under 30/360 never.
        if kwargs["day_count"] == "30/360":
            assert row.principal >= 0
    assert_schedule_invariants(result.remaining)
