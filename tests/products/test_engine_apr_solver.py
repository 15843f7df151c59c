"""The APR solver's shortcuts agree with the plain computation they stand for.

Two shortcuts make a schedule's APR cheap (see products/engine/apr.py):

* runs of equal payments are summed in closed form (a geometric series) instead of period by period;
* a schedule whose due dates fall on whole unit periods from the start hands the solver its payments
  in order instead of having each payment's period found from its date by the Appendix J count-back.

These tests check each shortcut against the plain path over random inputs (hypothesis).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from products.engine import Frequency, due_dates
from products.engine.apr import (
    _FREQUENCY_UNITS,
    _apr,
    _bucket_by_days,
    _bucket_by_months,
    _decimal_value,
    _float_present_value,
    _periodic_apr,
    _present_value,
    _runs,
)
from products.engine.money import ENGINE_CONTEXT

D = Decimal
NON_SEMIMONTHLY = [f for f in Frequency if f is not Frequency.SEMIMONTHLY]


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


cents = st.integers(-(10**9), 10**9).map(lambda c: D(c).scaleb(-2))
runs_strategy = st.lists(st.tuples(cents, st.integers(1, 400)), min_size=1, max_size=6)
groups_strategy = st.lists(
    st.tuples(st.sampled_from([(0, 1), (7, 30), (1, 7), (5, 12)]), runs_strategy), min_size=1, max_size=3
)


def expanded(runs: list[tuple[Decimal, int]]) -> list[Decimal]:
    return [c for c, count in runs for _ in range(count)]


def test_runs_encode_equal_neighbours_by_value() -> None:
    values = [D("5.00"), D(5), D("5.0"), D(3), D("0.00"), D(0), D(5)]
    assert _runs(values) == [(D(5), 3), (D(3), 1), (D(0), 2), (D(5), 1)]
    assert expanded(_runs(values)) == values


@settings(max_examples=300, deadline=None)
@given(groups_strategy, st.floats(-0.5, 3.0))
def test_float_closed_form_matches_period_by_period(groups: list, rate: float) -> None:
    as_float = [(num / den, [(float(c), count) for c, count in runs]) for (num, den), runs in groups]
    fast_value, fast_slope = _float_present_value(as_float, rate)
    plain_value, plain_slope = _present_value(as_float, rate)
    if not math.isfinite(plain_value):  # x**k overflowed (x = 2 at -50 %): the fast path must not
        assert not math.isfinite(fast_value)  # pretend to a finite value
        return
    # Rounding errors scale with the sizes of the terms summed, |c| x**k: the same sums of |c|.
    magnitudes = [(fraction, [(abs(c), count) for c, count in runs]) for fraction, runs in as_float]
    value_scale, slope_scale = _present_value(magnitudes, rate)
    assert abs(fast_value - plain_value) <= 1e-12 * (value_scale + 1)
    assert abs(fast_slope - plain_slope) <= 1e-9 * (abs(slope_scale) + 1)


@settings(max_examples=200, deadline=None)
@given(groups_strategy, st.decimals(D("-0.5"), D(3), places=12))
def test_decimal_closed_form_matches_period_by_period(groups: list, rate: Decimal) -> None:
    with localcontext(ENGINE_CONTEXT):
        as_decimal = [(D(num) / den, runs) for (num, den), runs in groups]
        fast = _decimal_value(as_decimal, rate)
        plain = _present_value(as_decimal, rate)[0]
        magnitudes = [(fraction, [(abs(c), count) for c, count in runs]) for fraction, runs in as_decimal]
        scale = _present_value(magnitudes, rate)[0]
        assert abs(fast - plain) <= D("1e-26") * (scale + 1)


def test_float_value_is_nan_at_or_below_minus_one_and_on_overflow() -> None:
    groups = [(0.0, [(100.0, 500), (-1000.0, 1)])]
    for rate in (-1.0, -2.0, -0.999999):
        value, slope = _float_present_value(groups, rate)
        assert value != value  # NaN: the solver's "far left of the bracket"
        assert slope != slope


def times_of(
    frequency: Frequency, start: date, dates: list[date]
) -> dict[tuple[int, int], dict[int, Decimal]]:
    buckets: dict[tuple[int, int], dict[int, Decimal]] = {}
    kind, length, _ = _FREQUENCY_UNITS[frequency]
    flows = [(when, D(1)) for when in dates]
    if kind == "months":
        _bucket_by_months(buckets, start, length, flows)
    elif kind == "days":
        _bucket_by_days(buckets, start, length, flows)
    else:
        return {}
    return buckets


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NON_SEMIMONTHLY), st.dates(date(2000, 1, 1), date(2045, 12, 31)), st.integers(1, 120))
def test_generated_due_dates_fall_on_whole_unit_periods(frequency: Frequency, start: date, n: int) -> None:
    """What `_build` relies on to skip the count-back: month-end clamping included, installment k of a
    schedule without an odd first period is exactly k unit periods after the start."""
    dates = due_dates(start, frequency, n)
    buckets = times_of(frequency, start, dates)
    if buckets:  # monthly, quarterly, semiannual, weekly, biweekly
        ((fraction, length), periods), *others = buckets.items()
        assert not others
        assert fraction == 0
        assert sorted(periods) == list(range(1, n + 1))
    amounts = [D(1000 + k) for k in range(n)]  # distinct, so a wrong period changes the rate
    plain = _apr(start, [(start, D(900 * n))], list(zip(dates, amounts, strict=True)), frequency)
    assert _periodic_apr(D(900 * n), amounts, frequency) == plain


def test_semimonthly_due_dates_need_the_count_back() -> None:
    """Why semimonthly schedules keep the plain path: day 20 pays on the 5th and 20th, and the 5th is
    not a whole number of half-months (15 days) after the 20th."""
    start = date(2024, 1, 20)
    buckets = times_of(Frequency.SEMIMONTHLY, start, due_dates(start, Frequency.SEMIMONTHLY, 4))
    assert any(fraction for fraction, _ in buckets)


def test_trailing_zero_payments_are_no_cash_flow() -> None:
    amounts = [D("510.00"), D("510.00"), D("0.00"), D("0.00")]
    start = date(2024, 3, 31)
    dates = due_dates(start, Frequency.MONTHLY, 4)
    payments = [(when, amount) for when, amount in zip(dates, amounts, strict=True) if amount]
    assert _periodic_apr(D(1000), amounts, Frequency.MONTHLY) == _apr(
        start, [(start, D(1000))], payments, Frequency.MONTHLY
    )
