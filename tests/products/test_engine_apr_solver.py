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
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from products.engine import (
    EngineValidationError,
    Frequency,
    add_months,
    apr_of_cashflows,
    build_schedule,
    due_dates,
)
from products.engine.apr import (
    _FREQUENCY_UNITS,
    _apr,
    _bucket_by_days,
    _bucket_by_months,
    _certified,
    _decimal_value,
    _float_present_value,
    _float_solve,
    _periodic_polynomial,
    _periodic_rates,
    _present_value,
    _rates,
    _runs,
    _solve,
)
from products.engine.money import ENGINE_CONTEXT
from products.engine.schedule import _on_whole_unit_periods
from products.engine.terms import validate_terms

D = Decimal


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


def periodic_apr(advance: Decimal, amounts: list[Decimal], frequency: Frequency):
    """The full (always polished) AprResult of the polynomial `_periodic_rates` solves."""
    _, _, periods = _FREQUENCY_UNITS[frequency]
    return _rates(_solve(_periodic_polynomial(advance, amounts)), D(periods), frequency.value)


def expanded(runs: list[tuple[Decimal, int]]) -> list[Decimal]:
    return [c for c, count in runs for _ in range(count)]


def encoded(groups: list, convert: type, plain: bool) -> list:
    """Solver groups (fraction, runs, None) or, with `plain`, (fraction, None, coefficients)."""
    out = []
    for (num, den), runs in groups:
        fraction = convert(num) / den
        values = [(convert(c), count) for c, count in runs]
        out.append((fraction, None, expanded(values)) if plain else (fraction, values, None))
    return out


def magnitudes(groups: list, convert: type) -> list:
    """The same groups with |c|: their present value bounds the sizes of the terms summed."""
    return encoded([(key, [(abs(c), count) for c, count in runs]) for key, runs in groups], convert, True)


def test_runs_encode_equal_neighbours_by_value() -> None:
    values = [D("5.00"), D(5), D("5.0"), D(3), D("0.00"), D(0), D(5)]
    assert _runs(values) == [(D(5), 3), (D(3), 1), (D(0), 2), (D(5), 1)]
    assert expanded(_runs(values)) == values


def test_runs_give_up_on_coefficients_that_do_not_repeat() -> None:
    declining = [D(6000) - k for k in range(360)]  # equal principal: every payment differs
    assert _runs(declining) is None
    level = [D("5307.27")] * 359 + [D("5306.90")]
    assert _runs(level) == [(D("5307.27"), 359), (D("5306.90"), 1)]


@settings(max_examples=300, deadline=None)
@given(groups_strategy, st.one_of(st.floats(-0.99, 3.0), st.floats(3.0, 1e6)), st.booleans())
def test_float_closed_form_matches_period_by_period(groups: list, rate: float, plain: bool) -> None:
    fast_value, fast_slope = _float_present_value(encoded(groups, float, plain), rate)
    plain_value, plain_slope = _present_value(encoded(groups, float, True), rate)
    if not (math.isfinite(plain_value) and math.isfinite(plain_slope)):
        # x**k overflowed (x = 2 at -50 %): the fast path must not pretend to finite figures.
        assert not (math.isfinite(fast_value) and math.isfinite(fast_slope))
        return
    # Rounding errors scale with the sizes of the terms summed, |c| x**k.
    value_scale, slope_scale = _present_value(magnitudes(groups, float), rate)
    assert abs(fast_value - plain_value) <= 1e-12 * (value_scale + 1)
    assert abs(fast_slope - plain_slope) <= 1e-9 * (abs(slope_scale) + 1)


@settings(max_examples=200, deadline=None)
@given(groups_strategy, st.decimals(D("-0.5"), D(3), places=12), st.booleans())
def test_decimal_closed_form_matches_period_by_period(groups: list, rate: Decimal, plain: bool) -> None:
    with localcontext(ENGINE_CONTEXT):
        fast = _decimal_value(encoded(groups, D, plain), rate)
        reference = _present_value(encoded(groups, D, True), rate)[0]
        scale = _present_value(magnitudes(groups, D), rate)[0]
        assert abs(fast - reference) <= D("1e-26") * (scale + 1)


def test_float_value_is_nan_at_or_below_minus_one_and_on_overflow() -> None:
    groups = [(0.0, [(100.0, 500), (-1000.0, 1)], None)]
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


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(list(Frequency)), st.dates(date(2000, 1, 1), date(2045, 12, 31)), st.integers(1, 120))
def test_generated_due_dates_fall_on_whole_unit_periods(frequency: Frequency, start: date, n: int) -> None:
    """What `_build` relies on to skip the count-back (`_on_whole_unit_periods`): month-end clamping
    included, installment k of a schedule without an odd first period is exactly k unit periods after
    the start."""
    n = min(n, 100 * frequency.periods_per_year - 1)  # the engine's 100-year limit
    terms = validate_terms(
        principal=D(1000),
        annual_rate=D("0.1"),
        term=n,
        frequency=frequency,
        method="annuity",
        start_date=start,
    )
    assume(_on_whole_unit_periods(terms))
    dates = due_dates(start, frequency, n)
    buckets = times_of(frequency, start, dates)
    if buckets:  # all but annual
        ((fraction, length), periods), *others = buckets.items()
        assert not others
        assert fraction == 0
        assert sorted(periods) == list(range(1, n + 1))
    amounts = [D(1000 + k) for k in range(n)]  # distinct, so a wrong period changes the rate
    plain = _apr(start, [(start, D(900 * n))], list(zip(dates, amounts, strict=True)), frequency)
    assert periodic_apr(D(900 * n), amounts, frequency) == plain  # unit rate to 20 places too
    assert _periodic_rates(D(900 * n), amounts, frequency) == (plain.apr, plain.effective_annual_rate)


def test_semimonthly_from_the_1st_to_the_13th_is_whole_half_months_in_every_month() -> None:
    """Exhaustive over two years (a leap February included): every start day 1..13, 48 installments."""
    for month_index in range(24):
        for day in range(1, 14):
            start = date(2023 + month_index // 12, month_index % 12 + 1, day)
            buckets = times_of(Frequency.SEMIMONTHLY, start, due_dates(start, Frequency.SEMIMONTHLY, 48))
            assert list(buckets) == [(0, 15)], start
            assert sorted(buckets[(0, 15)]) == list(range(1, 49)), start


@pytest.mark.parametrize("start", [date(2024, 1, 20), date(2023, 1, 14), date(2024, 1, 31)])
def test_semimonthly_due_dates_from_later_days_need_the_count_back(start: date) -> None:
    """Why semimonthly schedules starting after the 13th keep the plain path: day 20 pays on the 5th
    and the 20th, and the 5th is 16 days (a fraction of a half-month) after Jan 20; day 14 pays on the
    29th, clamped to Feb 28 in 2023."""
    buckets = times_of(Frequency.SEMIMONTHLY, start, due_dates(start, Frequency.SEMIMONTHLY, 6))
    assert any(fraction for fraction, _ in buckets)
    terms = validate_terms(
        principal=D(1000),
        annual_rate=D("0.1"),
        term=6,
        frequency="semimonthly",
        method="annuity",
        start_date=start,
    )
    assert not _on_whole_unit_periods(terms)


def test_trailing_zero_payments_are_no_cash_flow() -> None:
    amounts = [D("510.00"), D("510.00"), D("0.00"), D("0.00")]
    start = date(2024, 3, 31)
    dates = due_dates(start, Frequency.MONTHLY, 4)
    payments = [(when, amount) for when, amount in zip(dates, amounts, strict=True) if amount]
    assert periodic_apr(D(1000), amounts, Frequency.MONTHLY) == _apr(
        start, [(start, D(1000))], payments, Frequency.MONTHLY
    )


# --- extreme cash flows (found by review; each once went wrong in a shortcut) -----------------------


def test_a_fee_of_almost_the_whole_principal_still_has_an_apr() -> None:
    """Net proceeds of one cent repaid a month later by 10,218,916.67 (10,000,000 at 26.27 % for a
    month): one whole unit period, so i = 10,218,916.67 / 0.01 - 1 = 1,021,891,666 and the APR is 12 i.
    Newton from the nominal rate cannot reach such a root; the solver must fall back, not give up."""
    schedule = build_schedule(
        principal="10000000",
        annual_rate="0.2627",
        term=1,
        frequency="monthly",
        method="annuity",
        start_date=date(2021, 1, 28),
        fees=[{"kind": "upfront", "value": "9999999.99"}],
    )
    assert schedule.rows[0].payment == D("10218916.67")
    assert schedule.summary.apr == D("12262699992.000000")
    own = apr_of_cashflows(*schedule.cash_flows(), frequency="monthly")
    assert str(own.apr) == str(schedule.summary.apr)


def test_schedule_and_cash_flow_apr_agree_on_huge_rates() -> None:
    schedule = build_schedule(
        principal="714331990.31",
        annual_rate="0.3273",
        term=1,
        frequency="weekly",
        method="annuity",
        start_date=date(2021, 1, 3),
        fees=[{"kind": "upfront", "value": "714331988.32"}],
    )
    own = apr_of_cashflows(*schedule.cash_flows(), frequency="weekly")
    assert str(own.apr) == str(schedule.summary.apr)
    # One whole week: i = payment / net proceeds - 1, exactly.
    i = schedule.rows[0].payment / D("1.99") - 1
    assert schedule.summary.apr == (i * 52).quantize(D("0.000001"))


def test_overflow_at_the_starting_point_is_not_taken_for_the_root() -> None:
    """Tiny payments over 25 years beside a half repayment the next day: the root is a negative
    monthly rate where (1 + i)**-300 is huge, and the estimate to start from overflows the floats.
    The answer must zero the Appendix J present value, checked here term by term in Decimal."""
    start = date(2024, 1, 1)
    payments = [(date(2024, 1, 2), D("5e10"))] + [(add_months(start, k), D("0.01")) for k in range(1, 301)]
    result = apr_of_cashflows([(start, D("1e11"))], payments, "monthly")
    i = result.unit_period_rate
    with localcontext(ENGINE_CONTEXT):
        value = -D("1e11") + D("5e10") / (1 + i / 30) + sum(D("0.01") / (1 + i) ** k for k in range(1, 301))
    assert abs(value) < D("1e-6")
    assert D(-12) < result.apr < 0


@pytest.mark.parametrize("frequency", ["annual", "quarterly"])
def test_repaying_a_tenth_the_next_day_has_no_rate_of_return(frequency: str) -> None:
    """1,000 advanced and 100 repaid a day later: 100 / (1 + i f) = 1,000 needs i f = -0.9 with f a
    day's fraction of the unit period, i.e. a rate far below -100 %: no rate of return exists."""
    with pytest.raises(EngineValidationError) as raised:
        apr_of_cashflows([(date(2024, 1, 1), D(1000))], [(date(2024, 1, 2), D(100))], frequency)
    assert "payments" in raised.value.errors


@pytest.mark.parametrize(
    "terms",
    [
        {"term": 1, "frequency": "quarterly", "method": "equal_principal", "day_count": "ACT/365"},
        {"term": 12, "frequency": "annual", "method": "annuity", "day_count": "30/360"},
    ],
)
def test_an_interest_free_loan_without_fees_discloses_zero_not_minus_zero(terms: dict) -> None:
    schedule = build_schedule(
        principal="28107663.24",
        annual_rate="0.2087",
        start_date=date(2039, 1, 30),
        interest_free_periods=terms["term"],
        **terms,
    )
    assert str(schedule.summary.apr) == "0.000000"
    assert str(schedule.summary.effective_annual_rate) == "0.000000"
    own = apr_of_cashflows(*schedule.cash_flows(), frequency=terms["frequency"])
    assert str(own.apr) == "0.000000"


def test_a_rate_rounding_to_zero_from_below_is_disclosed_as_zero() -> None:
    """Repaying one cent less a month later is a rate of about -1.2e-7 a year: shown as 0.000000."""
    result = apr_of_cashflows([(date(2024, 1, 1), D("1000000.00"))], [(date(2024, 2, 1), D("999999.99"))])
    assert result.unit_period_rate < 0
    assert str(result.apr) == "0.000000"
    assert str(result.effective_annual_rate) == "0.000000"


# --- rates straight from the float root, when provably the same -------------------------------------


def test_a_schedule_apr_exactly_on_a_rounding_boundary_is_rounded_half_up() -> None:
    """8,000,000 repaid by 8,032,667.00 a month later: the monthly rate is exactly 0.004083375 and the
    APR exactly 4.90005 %, which rounds half-up to 0.049001. A float root cannot tell which side of the
    boundary it is on, so the rates must come from the Decimal solve."""
    schedule = build_schedule(
        principal="8000000",
        annual_rate="0.0490005",
        term=1,
        frequency="monthly",
        method="annuity",
        start_date=date(2026, 1, 15),
    )
    assert schedule.rows[0].payment == D("8032667.00")
    assert str(schedule.summary.apr) == "0.049001"
    found = _float_solve(_periodic_polynomial(D(8000000), [D("8032667.00")]), 0.0490005 / 12)
    assert _certified(found, D(12)) is None


def test_ordinary_schedules_take_their_rates_from_the_float_root() -> None:
    """The shortcut is what makes schedules fast: a mortgage with fees is certified, and to the same
    figures as the full solve."""
    schedule = build_schedule(
        principal="1000000",
        annual_rate="0.049",
        term=360,
        frequency="monthly",
        method="equal_principal",
        start_date=date(2026, 1, 15),
        fees=[{"kind": "upfront_percent", "value": "0.01"}, {"kind": "periodic", "value": "10"}],
    )
    net = schedule.summary.net_proceeds
    amounts = [row.payment for row in schedule.rows]
    exact = _periodic_polynomial(net, amounts)
    certified = _certified(_float_solve(exact, 0.049 / 12), D(12))
    full = periodic_apr(net, amounts, Frequency.MONTHLY)
    assert certified == (full.apr, full.effective_annual_rate)
    assert certified == (schedule.summary.apr, schedule.summary.effective_annual_rate)
