"""The schedule's fast row loop gives the plain loop's rows to the cent, and the APR read on demand is
the APR of the schedule's cash flows (see products/engine/schedule.py `_rows` and summary.py).

The fast loop multiplies the balance by the period rate rounded up instead of dividing; these tests
check it against the plain Decimal loop row by row over random terms (hypothesis), against an
independent exact (Fraction) reference, and on the half-cent ties where a rate rounded the wrong way
would lose the cent.
"""

from __future__ import annotations

import copy
import pickle
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from products.engine import (
    DayCount,
    EngineValidationError,
    Frequency,
    Grace,
    GraceKind,
    Method,
    ScheduleSummary,
    apr_of_cashflows,
    build_schedule,
    due_dates,
    validate_terms,
)
from products.engine.money import ENGINE_CONTEXT
from products.engine.schedule import LARGEST_PAYMENT, _period_rates_and_bounds, _rows, _upper_rates_exact
from products.engine.terms import LoanTerms
from tests.products.test_engine_properties import loan_terms

D = Decimal
CENT = D("0.01")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def both_loops(terms: LoanTerms, installment: Decimal | None = None) -> tuple[list[Any], list[Any]]:
    """(fast rows, plain rows) of the same terms."""
    dates = due_dates(terms.start_date, terms.frequency, terms.term, terms.first_due_date)
    with localcontext(ENGINE_CONTEXT):
        nums, dens, uppers = _period_rates_and_bounds(terms, dates)
        fast, fast_interest = _rows(terms, dates, nums, dens, installment, 1, uppers)
        plain, plain_interest = _rows(terms, dates, nums, dens, installment, 1)
        # Both totals are the rows' own sum, written the same way (the fast path's is a closed form).
        for rows, total in ((fast, fast_interest), (plain, plain_interest)):
            assert str(total) == str(sum((row.interest for row in rows), D("0.00")))
    return fast, plain


def assert_same_rows(fast: list[Any], plain: list[Any]) -> None:
    """Equal row by row, value and written form alike (0.10, not 0.1)."""
    assert len(fast) == len(plain)
    for got, want in zip(fast, plain, strict=True):
        assert got == want
        assert tuple(map(str, got)) == tuple(map(str, want))


@SETTINGS
@given(kwargs=loan_terms(), data=st.data())
def test_fast_rows_are_the_plain_rows(kwargs: dict[str, Any], data: st.DataObject) -> None:
    terms = validate_terms(**kwargs)
    installment = None
    if terms.method is Method.ANNUITY and data.draw(st.booleans()):
        # A kept installment, as a shorten-term prepayment re-amortises with.
        installment = data.draw(st.decimals(D(1), terms.principal, places=2))
    assert_same_rows(*both_loops(terms, installment))


@SETTINGS
@given(
    principal_cents=st.integers(1, 10**7),
    annual_rate=st.decimals(D(0), D("0.36"), places=3),
    term=st.integers(1, 60),
    frequency=st.sampled_from(list(Frequency)),
    method=st.sampled_from(list(Method)),
    day_count=st.sampled_from(list(DayCount)),
)
def test_fast_rows_on_small_round_amounts(
    principal_cents: int,
    annual_rate: Decimal,
    term: int,
    frequency: Frequency,
    method: Method,
    day_count: DayCount,
) -> None:
    """Small balances and three-place rates land on exact half-cents often: ties round up in both."""
    terms = validate_terms(
        principal=D(principal_cents) / 100,
        annual_rate=annual_rate,
        term=term,
        frequency=frequency,
        method=method,
        start_date=date(2024, 1, 31),
        day_count=day_count,
    )
    assert_same_rows(*both_loops(terms))


def half_up(x: Fraction) -> Decimal:
    """An exact non-negative amount rounded half-up to the cent."""
    cents = (x * 200 + 1) // 2
    return (D(cents) / 100).quantize(CENT)


def exact_reference_rows(terms: LoanTerms, level: Decimal) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(interest, principal, balance) per row of an annuity or interest-only schedule without grace,
    promotion or odd first period, in exact rational arithmetic: interest = balance x period rate
    rounded half-up, principal = level - interest (annuity; nothing before the last row otherwise)."""
    dates = due_dates(terms.start_date, terms.frequency, terms.term)
    rate = Fraction(terms.annual_rate)
    if terms.day_count is DayCount.THIRTY_360:
        rates = [rate / terms.frequency.periods_per_year] * terms.term
    else:
        basis = 365 if terms.day_count is DayCount.ACT_365 else 360
        starts = [terms.start_date, *dates[:-1]]
        rates = [rate * (end - begin).days / basis for begin, end in zip(starts, dates, strict=True)]
    balance = terms.principal
    out = []
    for k, period_rate in enumerate(rates):
        interest = half_up(Fraction(balance) * period_rate)
        if k == terms.term - 1:
            principal = balance
        elif terms.method is Method.ANNUITY:
            # never negative: a row whose interest exceeds the level pays only its interest
            principal = max(min(level - interest, balance), D("0.00"))
        else:
            principal = D("0.00")
        balance -= principal
        out.append((interest, principal, balance))
    return out


@SETTINGS
@given(
    principal=st.decimals(D(1), D(100_000_000), places=2),
    annual_rate=st.decimals(D(0), D("0.36"), places=6),
    term=st.integers(1, 480),
    frequency=st.sampled_from([Frequency.MONTHLY, Frequency.WEEKLY, Frequency.BIWEEKLY]),
    method=st.sampled_from([Method.ANNUITY, Method.INTEREST_ONLY]),
    day_count=st.sampled_from(list(DayCount)),
)
# Found by CI: the first row pays only its interest (0.12 > the level 0.11), and the second is a
# level row repaying 0.00 of principal; `installment` must still be the level, 0.11.
@example(
    principal=D("3.79"),
    annual_rate=D("0.356201"),
    term=168,
    frequency=Frequency.MONTHLY,
    method=Method.ANNUITY,
    day_count=DayCount.ACT_360,
)
def test_rows_are_the_exact_half_up_rounding(
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: Frequency,
    method: Method,
    day_count: DayCount,
) -> None:
    """An independent reference: each row's interest is the exact balance x rate rounded half-up."""
    kwargs = {
        "principal": principal,
        "annual_rate": annual_rate,
        "term": term,
        "frequency": frequency,
        "method": method,
        "start_date": date(2024, 3, 15),
        "day_count": day_count,
    }
    schedule = build_schedule(**kwargs)
    level = schedule.installment
    expected = exact_reference_rows(schedule.terms, level)
    got = [(row.interest, row.principal, row.balance) for row in schedule.rows]
    assert got == expected


def test_a_half_cent_of_interest_rounds_up() -> None:
    # 6.00 x 7 % / 12 = 0.035 exactly; 7 % / 12 itself has no finite decimal expansion, so a rate
    # rounded down would give 0.0349999... and lose the cent.
    schedule = build_schedule(
        principal=D("6.00"),
        annual_rate=D("0.07"),
        term=3,
        frequency=Frequency.MONTHLY,
        method=Method.INTEREST_ONLY,
        start_date=date(2024, 1, 10),
    )
    assert [row.interest for row in schedule.rows] == [D("0.04")] * 3
    annuity = build_schedule(
        principal=D("6.00"),
        annual_rate=D("0.07"),
        term=2,
        frequency=Frequency.MONTHLY,
        method=Method.ANNUITY,
        start_date=date(2024, 1, 10),
    )
    assert annuity.rows[0].interest == D("0.04")
    assert_same_rows(*both_loops(annuity.terms))


@pytest.mark.parametrize("method", [Method.ANNUITY, Method.INTEREST_ONLY])
def test_beyond_the_proven_bound_the_plain_loop_runs(method: Method) -> None:
    """A 12-place rate on a balance grown by capitalised grace to ~1e16 passes the bound on n: the
    rows are then the plain loop's (and no schedule is refused that the plain loop would give)."""
    kwargs: dict[str, Any] = {
        "principal": D("99999999999.99"),
        "annual_rate": D("9.999999999999"),
        "term": 30,
        "frequency": Frequency.MONTHLY,
        "method": method,
        "start_date": date(2024, 1, 10),
        "grace": Grace(20, GraceKind.CAPITALISED),
    }
    schedule = build_schedule(**kwargs)
    assert not _upper_rates_exact(schedule.terms, schedule.summary.total_interest)
    assert_same_rows(list(schedule.rows), both_loops(schedule.terms)[1])


MORTGAGE: dict[str, Any] = {
    "principal": D("250000.00"),
    "annual_rate": D("0.0525"),
    "term": 240,
    "frequency": Frequency.MONTHLY,
    "method": Method.ANNUITY,
    "start_date": date(2024, 5, 31),
}


def test_the_apr_read_on_demand_is_the_apr_of_the_cash_flows() -> None:
    schedule = build_schedule(**MORTGAGE)
    advances, payments = schedule.cash_flows()
    expected = apr_of_cashflows(advances, payments, Frequency.MONTHLY)
    assert schedule.summary.apr == expected.apr
    assert schedule.summary.effective_annual_rate == expected.effective_annual_rate
    assert schedule.summary == build_schedule(**MORTGAGE).summary


def test_the_summary_is_an_immutable_value() -> None:
    summary = build_schedule(**MORTGAGE).summary
    with pytest.raises(AttributeError):
        summary.apr = D(0)  # type: ignore[misc]
    given_rates = ScheduleSummary(
        summary.total_principal,
        summary.total_interest,
        summary.total_fees,
        summary.total_payable,
        summary.net_proceeds,
        summary.upfront_fees,
        apr=summary.apr,
        effective_annual_rate=summary.effective_annual_rate,
    )
    assert given_rates == summary
    assert hash(given_rates) == hash(summary)
    assert pickle.loads(pickle.dumps(build_schedule(**MORTGAGE).summary)) == summary
    assert copy.deepcopy(summary) == summary
    assert f"apr={summary.apr!r}" in repr(summary)
    with pytest.raises(TypeError):
        ScheduleSummary(*[D(0)] * 6)


def test_the_upper_rates_round_up() -> None:
    terms = validate_terms(**MORTGAGE)
    dates = due_dates(terms.start_date, terms.frequency, terms.term)
    nums, dens, uppers = _period_rates_and_bounds(terms, dates)
    with localcontext(ENGINE_CONTEXT) as context:
        context.rounding = ROUND_HALF_UP
        for num, den, upper in zip(nums, dens, uppers, strict=True):
            assert Fraction(upper) >= Fraction(num) / Fraction(den)
            assert Fraction(upper) - Fraction(num) / Fraction(den) < Fraction(num) / Fraction(den) / 10**33


def test_an_annuity_paid_off_early_is_the_plain_loops() -> None:
    """A kept installment far above the level one repays the balance before the last row: the fast
    loop notices (its balance went negative) and redoes the rows with the paid-off-early cap."""
    terms = validate_terms(**{**MORTGAGE, "term": 24})
    fast, plain = both_loops(terms, installment=D("50000.00"))
    assert_same_rows(fast, plain)
    paid_off = next(k for k, row in enumerate(fast) if row.balance == 0)
    assert paid_off == 5
    assert D(0) < fast[paid_off].payment < D("50000.00")
    assert all(row.payment == 0 and row.balance == 0 for row in fast[paid_off + 1 :])


def test_an_early_payoff_whose_overshoot_would_compound_past_34_digits() -> None:
    """At 561 % a year a row that overshoots the balance would leave a negative balance compounding
    past the 34-digit context in the fast loop; the schedule is still the plain loop's, not refused."""
    kwargs: dict[str, Any] = {
        "principal": D("9475791633.10"),
        "annual_rate": D("5.61"),
        "term": 66,
        "frequency": Frequency.SEMIANNUAL,
        "method": Method.ANNUITY,
        "start_date": date(2024, 2, 25),
        "day_count": DayCount.ACT_365,
    }
    schedule = build_schedule(**kwargs)
    assert_same_rows(list(schedule.rows), both_loops(schedule.terms)[1])


@SETTINGS
@given(
    principal=st.decimals(D("0.01"), D(10**11), places=2),
    annual_rate=st.decimals(D(0), D(10), places=4) | st.decimals(D(0), D(10), places=12),
    term=st.integers(1, 120),
    frequency=st.sampled_from([Frequency.MONTHLY, Frequency.SEMIANNUAL, Frequency.WEEKLY]),
    method=st.sampled_from([Method.ANNUITY, Method.INTEREST_ONLY]),
    day_count=st.sampled_from(list(DayCount)),
)
def test_usurious_rates_give_the_plain_rows_or_the_same_refusal(
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: Frequency,
    method: Method,
    day_count: DayCount,
) -> None:
    """Up to 1,000 % a year and 12 decimal places: runaway balances, early payoffs and products past
    the proven bound all end as the plain loop does -- the same rows, or the same refusal."""
    kwargs = {
        "principal": principal,
        "annual_rate": annual_rate,
        "term": term,
        "frequency": frequency,
        "method": method,
        "start_date": date(2024, 2, 25),
        "day_count": day_count,
    }
    terms = validate_terms(**kwargs)
    dates = due_dates(terms.start_date, terms.frequency, terms.term)
    try:
        with localcontext(ENGINE_CONTEXT):
            nums, dens, _ = _period_rates_and_bounds(terms, dates)
            plain: list[Any] | None = _rows(terms, dates, nums, dens, None, 1)[0]
    except InvalidOperation:
        plain = None
    if plain is not None and plain[-1].payment > LARGEST_PAYMENT:
        plain = None
    try:
        built: list[Any] | None = list(build_schedule(**kwargs).rows)
    except EngineValidationError:
        built = None
    assert (built is None) == (plain is None)
    if built is not None and plain is not None:
        assert_same_rows(built, plain)
