"""Properties of schedules and their APR over random valid terms (hypothesis).

Ranges: principal 100..1e8, annual rate 0..36 %, term 1..480, every method, frequency and day count,
with random odd first periods, grace, interest-free periods and fees where the property allows them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from products.engine import (
    DayCount,
    Fee,
    FeeKind,
    Frequency,
    Grace,
    GraceKind,
    Method,
    Schedule,
    apr_of_cashflows,
    build_schedule,
    due_dates,
)
from tests.products.test_engine_schedule import assert_schedule_invariants

D = Decimal
CENT = D("0.01")
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONTH_BASED = [Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.SEMIANNUAL, Frequency.ANNUAL]


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


@st.composite
def loan_terms(
    draw: st.DrawFn,
    *,
    methods: list[Method] | None = None,
    frequencies: list[Frequency] | None = None,
    day_counts: list[DayCount] | None = None,
    odd_first: bool = True,
    grace: bool = True,
    promo: bool = True,
    fees: bool = True,
) -> dict[str, Any]:
    """Keyword arguments of `build_schedule` for a random valid loan.

    Terms run to 480 installments but never past the engine's 100-year limit (99 annual, 199
    semiannual, 399 quarterly installments, leaving room for a long odd first period).
    """
    frequency = draw(st.sampled_from(frequencies or list(Frequency)))
    n = draw(st.integers(1, min(480, 100 * frequency.periods_per_year - 1)))
    start = draw(st.dates(date(2000, 1, 1), date(2045, 12, 31)))
    kwargs: dict[str, Any] = {
        "principal": draw(st.decimals(D(100), D(100_000_000), places=2)),
        "annual_rate": draw(st.decimals(D(0), D("0.36"), places=4)),
        "term": n,
        "frequency": frequency,
        "method": draw(st.sampled_from(methods or list(Method))),
        "day_count": draw(st.sampled_from(day_counts or list(DayCount))),
        "start_date": start,
    }
    if odd_first and draw(st.booleans()):
        latest = due_dates(start, frequency, 2)[1]
        kwargs["first_due_date"] = start + timedelta(days=draw(st.integers(1, (latest - start).days)))
    grace_periods = 0
    if grace and n > 1 and draw(st.booleans()):
        grace_periods = draw(st.integers(1, min(n - 1, 24)))
        kwargs["grace"] = Grace(grace_periods, draw(st.sampled_from(list(GraceKind))))
    if promo and draw(st.booleans()):
        kwargs["interest_free_periods"] = draw(st.integers(0, min(n - grace_periods, 24)))
    if fees:
        kwargs["fees"] = draw(st.lists(fee_strategy(kwargs["principal"]), max_size=3))
    return kwargs


def fee_strategy(principal: Decimal) -> st.SearchStrategy[Fee]:
    """A fee of at least one cent that keeps the net proceeds positive even three times over."""
    return st.one_of(
        st.builds(Fee, st.just(FeeKind.UPFRONT), st.decimals(CENT, (principal / 4).quantize(CENT), places=2)),
        st.builds(Fee, st.just(FeeKind.UPFRONT_PERCENT), st.decimals(D("0.0001"), D("0.1"), places=4)),
        st.builds(Fee, st.just(FeeKind.PERIODIC), st.decimals(CENT, D(1000), places=2)),
        st.builds(Fee, st.just(FeeKind.PERIODIC_PERCENT), st.decimals(D("0.0001"), D("0.01"), places=4)),
    )


def accumulation_factor(rate: Decimal, periods: int) -> Decimal:
    """s(m, i) = sum of (1 + i)**j for j < m: how a cent of rounding per period can compound."""
    return D(periods) if rate == 0 else ((1 + rate) ** periods - 1) / rate


@PROPERTY_SETTINGS
@given(loan_terms())
def test_any_schedule_keeps_the_invariants(kwargs: dict[str, Any]) -> None:
    # Principal parts sum to the principal, the balance never goes negative and ends at 0.00,
    # interest >= 0, payment = principal + interest + fees, totals are the sums of the rows.
    assert_schedule_invariants(build_schedule(**kwargs))


@PROPERTY_SETTINGS
@given(loan_terms())
def test_grace_and_interest_free_rows_have_their_shape(kwargs: dict[str, Any]) -> None:
    schedule = build_schedule(**kwargs)
    terms = schedule.terms
    for row in schedule.rows[: terms.interest_free_periods]:
        assert row.interest == 0
    if terms.grace is not None:
        for row in schedule.rows[: terms.grace.periods]:
            if terms.grace.kind is GraceKind.CAPITALISED:
                assert (row.principal, row.payment) == (-row.interest, row.fees)
            else:
                assert row.principal == 0


@PROPERTY_SETTINGS
@given(loan_terms(methods=[Method.ANNUITY]))
def test_annuity_installments_are_level_except_the_last(kwargs: dict[str, Any]) -> None:
    schedule = build_schedule(**kwargs)
    terms = schedule.terms
    grace = terms.grace_periods
    level = schedule.installment
    amortising = schedule.rows[grace:]
    paid_off = False
    interest_only = False
    for row in amortising[:-1]:
        if paid_off:  # rounding or a promotion repaid the balance early: only fees are left
            assert (row.principal, row.interest) == (0, 0)
        elif row.principal == 0 and row.interest > level:
            # A period's interest above the level payment: it pays the interest, no principal
            # (the negative principal it once repaid is missing from the last row's residue).
            interest_only = True
        elif row.principal + row.interest != level:
            assert row.balance == 0
            paid_off = True
    if terms.day_count is DayCount.THIRTY_360 and terms.first_due_date is None:
        # The residue in the last row comes only from cent rounding (of the installment and of each
        # period's interest), at most a cent per period compounded at the period rate.
        rate = terms.annual_rate / terms.frequency.periods_per_year
    elif terms.day_count is not DayCount.THIRTY_360:
        # Actual-day annuities amortise at each period's own rate: the same bound at the dearest one.
        previous = [terms.start_date, *(row.due_date for row in schedule.rows)]
        longest = max((b - a).days for a, b in zip(previous, previous[1:], strict=False))
        rate = terms.annual_rate * longest / (365 if terms.day_count is DayCount.ACT_365 else 360)
    else:
        return  # 30/360 with an odd first period: its difference is left to the last row
    bound = CENT * accumulation_factor(rate, len(amortising)) + CENT
    last = amortising[-1]
    if not paid_off and not interest_only:
        assert abs(last.principal + last.interest - level) <= bound


@PROPERTY_SETTINGS
@given(
    loan_terms(
        methods=[Method.EQUAL_PRINCIPAL], day_counts=[DayCount.THIRTY_360], odd_first=False, promo=False
    )
)
def test_equal_principal_installments_do_not_increase(kwargs: dict[str, Any]) -> None:
    schedule = build_schedule(**kwargs)
    amortising = [row.principal + row.interest for row in schedule.rows[schedule.terms.grace_periods :]]
    assert amortising[:-1] == sorted(amortising[:-1], reverse=True)
    if len(amortising) > 1:
        # The last row repays the remaining balance: principal shares rounded to the cent may leave up to
        # a cent per earlier row for it.
        assert amortising[-1] <= amortising[-2] + CENT * (len(amortising) - 1) + CENT


@PROPERTY_SETTINGS
@given(
    loan_terms(
        methods=[Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY],
        frequencies=MONTH_BASED,
        day_counts=[DayCount.THIRTY_360],
        odd_first=False,
        grace=False,
        promo=False,
        fees=False,
    )
)
def test_apr_is_the_nominal_rate_without_fees(kwargs: dict[str, Any]) -> None:
    # Paying interest at the nominal period rate on the running balance makes the nominal rate the IRR,
    # except for cent rounding of each period's interest (|e| <= 0.005). That moves the present value
    # of the payments at the nominal rate by at most E = 0.005 x a(n, i), hence the rate by at most
    # E / |dPV/di|, doubled for safety, plus the 6-place rounding of the reported APR.
    schedule = build_schedule(**kwargs)
    terms = schedule.terms
    ppy = terms.frequency.periods_per_year
    i = float(terms.annual_rate) / ppy
    v = 1 / (1 + i)
    payments = [float(row.payment) for row in schedule.rows]
    slope = sum(k * p * v ** (k + 1) for k, p in enumerate(payments, start=1))
    max_shift = 0.005 * sum(v**k for k in range(1, len(payments) + 1))
    bound = ppy * 2 * max_shift / slope + 5e-7
    assert abs(float(schedule.summary.apr) - float(terms.annual_rate)) <= bound


@PROPERTY_SETTINGS
@given(loan_terms(fees=False), st.data())
def test_apr_strictly_increases_with_any_added_fee(kwargs: dict[str, Any], data: st.DataObject) -> None:
    base = build_schedule(**kwargs)
    fee = data.draw(fee_strategy(base.terms.principal))
    costlier = build_schedule(**{**kwargs, "fees": [fee]})

    before = apr_of_cashflows(*base.cash_flows(), frequency=base.terms.frequency)
    after = apr_of_cashflows(*costlier.cash_flows(), frequency=base.terms.frequency)
    assert after.unit_period_rate > before.unit_period_rate
    assert costlier.summary.apr >= base.summary.apr
    assert costlier.summary.effective_annual_rate >= base.summary.effective_annual_rate


@PROPERTY_SETTINGS
@given(loan_terms())
def test_summary_apr_is_apr_of_the_schedules_own_cash_flows(kwargs: dict[str, Any]) -> None:
    schedule = build_schedule(**kwargs)
    result = apr_of_cashflows(*schedule.cash_flows(), frequency=schedule.terms.frequency)
    # Compared as text: the same value with another sign of zero would disclose "-0.00 %".
    assert (str(result.apr), str(result.effective_annual_rate)) == (
        str(schedule.summary.apr),
        str(schedule.summary.effective_annual_rate),
    )


def annuity_residue_bound_example() -> Schedule:
    """A realistic long loan, to show the bound is tight enough to mean something (used below)."""
    return build_schedule(
        principal="1000000",
        annual_rate="0.049",
        term=360,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 15),
    )


def test_residue_bound_is_meaningful_for_a_mortgage() -> None:
    schedule = annuity_residue_bound_example()
    bound = CENT * accumulation_factor(D("0.049") / 12, 360) + CENT
    assert bound < D(10)
    assert abs(schedule.rows[-1].payment - schedule.installment) <= bound
