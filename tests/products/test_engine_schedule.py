"""Schedules: worked examples to the cent, the rounding convention, due dates, grace, promotions, fees.

The engine is pure Python, so these tests shadow the suite-wide Django fixtures of the root conftest
(see `_fast_password_hashing` below) and run with or without pytest-django.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from products.engine import (
    DayCount,
    EngineValidationError,
    Fee,
    FeeKind,
    Frequency,
    Grace,
    GraceKind,
    Method,
    Schedule,
    add_months,
    annuity_payment,
    apr_of_cashflows,
    build_schedule,
    days360,
    due_dates,
    quantize_money,
)

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings (and may run without
    pytest-django, where that fixture's `settings` dependency does not exist)."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def assert_schedule_invariants(schedule: Schedule) -> None:
    """What every schedule must satisfy, whatever its terms (used by the property tests too)."""
    terms = schedule.terms
    rows = schedule.rows
    assert len(rows) == terms.term
    assert sum((row.principal for row in rows), D(0)) == terms.principal
    assert rows[-1].balance == D("0.00")
    balance = terms.principal
    for row in rows:
        assert row.payment == row.principal + row.interest + row.fees
        assert row.interest >= 0
        assert row.balance >= 0
        balance -= row.principal
        assert row.balance == balance
        for amount in (row.payment, row.principal, row.interest, row.fees, row.balance):
            assert amount == amount.quantize(D("0.01"))
    dates = [row.due_date for row in rows]
    assert dates == sorted(set(dates))
    assert dates[0] > terms.start_date
    summary = schedule.summary
    assert summary.total_principal == terms.principal
    assert summary.total_interest == sum((row.interest for row in rows), D(0))
    assert summary.total_fees == summary.upfront_fees + sum((row.fees for row in rows), D(0))
    assert summary.total_payable == sum((row.payment for row in rows), D(0)) + summary.upfront_fees
    assert summary.total_payable == summary.total_principal + summary.total_interest + summary.total_fees
    assert summary.net_proceeds == terms.principal - summary.upfront_fees


def mortgage(method: str, **overrides: object) -> Schedule:
    params: dict[str, object] = {
        "principal": "1000000",
        "annual_rate": "0.049",
        "term": 360,
        "frequency": "monthly",
        "method": method,
        "start_date": date(2024, 1, 15),
    }
    params.update(overrides)
    return build_schedule(**params)


# --- worked examples -------------------------------------------------------------------------


def test_annuity_mortgage_matches_chinese_bank_calculators() -> None:
    # Source: Chinese bank mortgage calculators (e.g. the 房贷计算器 of the major banks), commercial
    # loan 1,000,000 CNY, 30 years, 4.9 %, 等额本息: monthly installment 5,307.27; first month
    # interest 4,083.33, principal 1,223.94, remaining 998,776.06.
    schedule = mortgage("annuity")

    first = schedule.rows[0]
    assert (first.payment, first.interest, first.principal, first.balance) == (
        D("5307.27"),
        D("4083.33"),
        D("1223.94"),
        D("998776.06"),
    )
    assert {row.payment for row in schedule.rows[:-1]} == {D("5307.27")}
    assert schedule.installment == D("5307.27")
    assert schedule.summary.apr == D("0.049000")
    assert_schedule_invariants(schedule)


def test_equal_principal_mortgage_matches_chinese_bank_calculators() -> None:
    # Same source, 等额本金: first month 6,861.11 (2,777.78 principal + 4,083.33 interest), total
    # interest 737,041.67 (= 1,000,000 x 0.049 / 12 x 361 / 2).
    schedule = mortgage("equal_principal")

    assert schedule.rows[0].payment == D("6861.11")
    assert schedule.rows[0].principal == D("2777.78")
    assert schedule.summary.total_interest == D("737041.67")
    assert schedule.rows[-1].payment == D("2789.12")
    assert_schedule_invariants(schedule)


def test_annuity_rows_match_a_published_housing_fund_table() -> None:
    # Source: a Chinese mortgage-calculator table published at https://honghui8.com/fzx/6622.html
    # (1,328,000 CNY, 10 years 6 months, 3.95 %, 等额本息): installment 12,893.09 and rows 1-6 as below.
    schedule = build_schedule(
        principal="1328000",
        annual_rate="0.0395",
        term=126,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 4, 20),
    )

    expected = [
        ("4371.33", "8521.76", "1319478.24"),
        ("4343.28", "8549.81", "1310928.43"),
        ("4315.14", "8577.95", "1302350.48"),
        ("4286.90", "8606.19", "1293744.29"),
        ("4258.57", "8634.52", "1285109.77"),
        ("4230.15", "8662.94", "1276446.83"),
    ]
    got = [(str(r.interest), str(r.principal), str(r.balance)) for r in schedule.rows[:6]]
    assert got == expected
    assert {row.payment for row in schedule.rows[:-1]} == {D("12893.09")}


def test_annuity_payment_is_the_textbook_formula() -> None:
    # 5,000 over 36 months at 1 % a month: the classic 166.07 (12 % APR example of US consumer texts).
    assert quantize_money(annuity_payment(D(5000), D("0.01"), 36)) == D("166.07")
    assert annuity_payment(D(1200), D(0), 12) == D(100)
    # With 2 interest-free periods out of 12 at 0 %, the level payment is simply balance / periods.
    assert annuity_payment(D(1200), D(0), 12, interest_free=2) == D(100)


# --- rounding --------------------------------------------------------------------------------


def test_quantize_money_rounds_half_up_whatever_the_global_context() -> None:
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 3  # a hostile caller context must not change money rounding
        ctx.rounding = decimal.ROUND_DOWN
        assert quantize_money(D("1234567.125")) == D("1234567.13")
        assert quantize_money(D("-0.005")) == D("-0.01")
        assert quantize_money(D("2.675")) == D("2.68")
        assert quantize_money(7) == D("7.00")
    with pytest.raises(TypeError):
        quantize_money(2.675)  # type: ignore[arg-type]


def test_interest_of_exactly_half_a_cent_rounds_up() -> None:
    # 101.00 x 6 % / 12 = 0.505 exactly: half-up gives 0.51 (half-even would give 0.50).
    for method in ("interest_only", "bullet"):
        schedule = build_schedule(
            principal="101.00",
            annual_rate="0.06",
            term=1,
            frequency="monthly",
            method=method,
            start_date=date(2024, 1, 1),
        )
        assert schedule.rows[0].interest == D("0.51")


def test_equal_principal_uses_unrounded_interest_for_the_installment() -> None:
    # 1,000 over 3 months at 10 %: installment 1 = round(333.333.. + 8.333..) = 341.67,
    # interest 8.33, principal 333.34.
    schedule = build_schedule(
        principal="1000",
        annual_rate="0.10",
        term=3,
        frequency="monthly",
        method="equal_principal",
        start_date=date(2024, 1, 10),
    )
    first = schedule.rows[0]
    assert (first.payment, first.interest, first.principal) == (D("341.67"), D("8.33"), D("333.34"))
    assert_schedule_invariants(schedule)


# --- due dates and day counts ----------------------------------------------------------------


def test_month_end_dates_clamp_and_keep_the_anchor_day() -> None:
    assert due_dates(date(2024, 1, 31), Frequency.MONTHLY, 4) == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert due_dates(date(2023, 1, 31), Frequency.MONTHLY, 2) == [date(2023, 2, 28), date(2023, 3, 31)]
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert due_dates(date(2024, 8, 31), Frequency.QUARTERLY, 2) == [date(2024, 11, 30), date(2025, 2, 28)]


def test_first_due_date_anchors_the_series() -> None:
    assert due_dates(date(2024, 1, 10), Frequency.MONTHLY, 3, date(2024, 2, 29)) == [
        date(2024, 2, 29),
        date(2024, 3, 29),
        date(2024, 4, 29),
    ]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2024, 1, 10), [date(2024, 1, 25), date(2024, 2, 10), date(2024, 2, 25), date(2024, 3, 10)]),
        (date(2024, 1, 16), [date(2024, 2, 1), date(2024, 2, 16), date(2024, 3, 1), date(2024, 3, 16)]),
        (date(2024, 1, 31), [date(2024, 2, 16), date(2024, 2, 29), date(2024, 3, 16), date(2024, 3, 31)]),
        (date(2023, 1, 15), [date(2023, 1, 30), date(2023, 2, 15), date(2023, 2, 28), date(2023, 3, 15)]),
    ],
)
def test_semimonthly_dates_are_day_d_and_d_plus_15(start: date, expected: list[date]) -> None:
    assert due_dates(start, Frequency.SEMIMONTHLY, 4) == expected


def test_weekly_and_biweekly_dates_step_days() -> None:
    start = date(2024, 12, 27)
    assert due_dates(start, Frequency.WEEKLY, 2) == [date(2025, 1, 3), date(2025, 1, 10)]
    assert due_dates(start, Frequency.BIWEEKLY, 2) == [date(2025, 1, 10), date(2025, 1, 24)]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(Frequency)),
    st.dates(date(1850, 1, 1), date(2400, 12, 31)),
    st.integers(0, 600),
    st.booleans(),
)
def test_due_dates_are_each_one_step_from_the_anchor(
    frequency: Frequency, anchor: date, count: int, odd_first: bool
) -> None:
    """Every date equals the anchor moved by whole steps, computed date by date (the series itself is
    built from calendar tables, inside 1900..2299, and by a loop outside; the range crosses both)."""
    first_due = anchor if odd_first else None
    start = anchor - timedelta(days=1) if odd_first else anchor
    dates = due_dates(start, frequency, count, first_due)
    assert len(dates) == count
    skip = 0 if odd_first else 1
    for k, due in enumerate(dates):
        if frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
            days = 7 if frequency is Frequency.WEEKLY else 14
            assert due == anchor + timedelta(days=days * (k + skip))
        elif frequency is not Frequency.SEMIMONTHLY:
            months = 12 // frequency.periods_per_year
            assert due == add_months(anchor, months * (k + skip))
        else:  # half-month k after the anchor's: day d in the first half, d + 15 (clamped) in the second
            low = anchor.day if anchor.day <= 15 else anchor.day - 15
            months, second = divmod((0 if anchor.day <= 15 else 1) + k + skip, 2)
            month = add_months(anchor.replace(day=1), months)
            last = (add_months(month, 1) - timedelta(days=1)).day
            assert due == month.replace(day=min(low + 15, last) if second else low)
    assert dates == sorted(set(dates))


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2024, 1, 15), date(2024, 2, 15), 30),
        (date(2024, 1, 31), date(2024, 3, 1), 31),  # start 31 -> 30
        (date(2024, 1, 30), date(2024, 3, 31), 60),  # end 31 with start 30 -> 30
        (date(2024, 1, 15), date(2024, 3, 31), 76),  # end 31 kept when start < 30
        (date(2023, 2, 28), date(2023, 3, 31), 30),  # start last day of February -> 30
        (date(2024, 2, 29), date(2025, 2, 28), 360),  # both last day of February
        (date(2024, 1, 10), date(2024, 1, 10), 0),
    ],
)
def test_days360_us_rules(start: date, end: date, days: int) -> None:
    assert days360(start, end) == days


def test_odd_first_period_30_360_charges_days360() -> None:
    # Disbursed Jan 10, first due Feb 25: days360 = 45, interest = 120,000 x 6 % x 45 / 360 = 900.00.
    schedule = build_schedule(
        principal="120000",
        annual_rate="0.06",
        term=12,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 10),
        first_due_date=date(2024, 2, 25),
    )
    assert schedule.rows[0].interest == D("900.00")
    assert schedule.rows[1].due_date == date(2024, 3, 25)
    # Under 30/360 the installment comes from the nominal period rate; the last row absorbs the odd
    # first period's difference (actual-day annuities amortise at each period's own rate instead).
    assert schedule.installment == quantize_money(annuity_payment(D(120000), D("0.005"), 12))
    assert_schedule_invariants(schedule)


def test_first_due_date_equal_to_the_regular_one_is_not_odd() -> None:
    regular = build_schedule(
        principal="5000",
        annual_rate="0.1",
        term=6,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 3, 5),
    )
    given = build_schedule(
        principal="5000",
        annual_rate="0.1",
        term=6,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 3, 5),
        first_due_date=date(2024, 4, 5),
    )
    assert given.terms.first_due_date is None
    assert given.rows == regular.rows


@pytest.mark.parametrize(("day_count", "basis"), [(DayCount.ACT_365, 365), (DayCount.ACT_360, 360)])
def test_actual_day_counts_charge_actual_days(day_count: DayCount, basis: int) -> None:
    schedule = build_schedule(
        principal="100000",
        annual_rate="0.0365",
        term=3,
        frequency="monthly",
        method="interest_only",
        start_date=date(2024, 1, 31),
        day_count=day_count,
    )
    days = [29, 31, 30]  # Jan 31 -> Feb 29 -> Mar 31 -> Apr 30 (2024 is a leap year)
    for row, n in zip(schedule.rows, days, strict=True):
        assert row.interest == quantize_money(D(100000) * D("0.0365") * n / basis)
    assert_schedule_invariants(schedule)


@pytest.mark.parametrize(("day_count", "basis"), [(DayCount.ACT_365, 365), (DayCount.ACT_360, 360)])
def test_actual_day_annuity_amortises_at_the_actual_period_rates(day_count: DayCount, basis: int) -> None:
    """Solved by hand in exact fractions: with r_k = 3.65 % x days_k / basis, the level payment A
    leaves nothing after three periods, B(1+r1)(1+r2)(1+r3) = A[(1+r2)(1+r3) + (1+r3) + 1]."""
    schedule = build_schedule(
        principal="100000",
        annual_rate="0.0365",
        term=3,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 31),
        day_count=day_count,
    )
    g1, g2, g3 = (1 + Fraction(365, 10000) * days / basis for days in (29, 31, 30))
    exact = Fraction(100000) * g1 * g2 * g3 / (g2 * g3 + g3 + 1)
    assert schedule.installment == quantize_money(D(exact.numerator) / D(exact.denominator))
    assert abs(schedule.rows[-1].payment - schedule.installment) <= D("0.03")
    assert_schedule_invariants(schedule)


def test_a_thirty_year_act_360_mortgage_has_no_balloon() -> None:
    """At the nominal rate a 365/360 year leaves about 7 installments' worth for the last payment;
    amortising at the actual rates leaves cents, for an installment a little above the 30/360 one."""
    kwargs = {"principal": "1000000", "annual_rate": "0.049", "term": 360, "frequency": "monthly"}
    actual = build_schedule(**kwargs, method="annuity", start_date=date(2026, 1, 15), day_count="ACT/360")
    bank = build_schedule(**kwargs, method="annuity", start_date=date(2026, 1, 15), day_count="30/360")
    assert actual.installment > bank.installment
    assert abs(actual.rows[-1].payment - actual.installment) < D(5)
    assert_schedule_invariants(actual)


# --- every method x frequency x day count ----------------------------------------------------


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize("frequency", list(Frequency))
@pytest.mark.parametrize("day_count", list(DayCount))
def test_every_method_frequency_and_day_count(
    method: Method, frequency: Frequency, day_count: DayCount
) -> None:
    schedule = build_schedule(
        principal="250000.00",
        annual_rate="0.0725",
        term=26,
        frequency=frequency,
        method=method,
        start_date=date(2024, 1, 31),
        day_count=day_count,
        fees=[Fee(FeeKind.UPFRONT, D("500")), Fee(FeeKind.PERIODIC_PERCENT, D("0.0005"))],
    )

    assert_schedule_invariants(schedule)
    rows = schedule.rows
    assert {row.fees for row in rows} == {D("125.00")}
    ppy = frequency.periods_per_year
    first_days = (rows[0].due_date - date(2024, 1, 31)).days
    expected_first_interest = {
        DayCount.THIRTY_360: quantize_money(D(250000) * D("0.0725") / ppy),
        DayCount.ACT_365: quantize_money(D(250000) * D("0.0725") * first_days / 365),
        DayCount.ACT_360: quantize_money(D(250000) * D("0.0725") * first_days / 360),
    }[day_count]
    if method is Method.BULLET:
        assert all(row.interest == 0 and row.principal == 0 for row in rows[:-1])
        assert rows[-1].principal == D(250000)
    else:
        assert rows[0].interest == expected_first_interest
    if method is Method.ANNUITY:
        assert len({row.principal + row.interest for row in rows[:-1]}) == 1
    if method is Method.EQUAL_PRINCIPAL and day_count is DayCount.THIRTY_360:
        payments = [row.payment for row in rows[:-1]]
        assert payments == sorted(payments, reverse=True)
    if method is Method.INTEREST_ONLY:
        assert all(row.principal == 0 for row in rows[:-1])
    # The fees cost more than the nominal rate.
    assert schedule.summary.apr > D("0.0725") or method is Method.BULLET
    advances, payments = schedule.cash_flows()
    assert apr_of_cashflows(advances, payments, frequency).apr == schedule.summary.apr


# --- grace, promotions, fees -----------------------------------------------------------------


def test_interest_only_grace_pays_interest_then_amortises_over_the_rest() -> None:
    schedule = build_schedule(
        principal="120000",
        annual_rate="0.06",
        term=12,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 15),
        grace=Grace(3, GraceKind.INTEREST_ONLY),
    )
    for row in schedule.rows[:3]:
        assert (row.principal, row.interest, row.payment, row.balance) == (
            D(0),
            D("600.00"),
            D("600.00"),
            D("120000.00"),
        )
    assert schedule.rows[3].payment == quantize_money(annuity_payment(D(120000), D("0.005"), 9))
    assert_schedule_invariants(schedule)


def test_capitalised_grace_adds_interest_to_the_balance() -> None:
    schedule = build_schedule(
        principal="120000",
        annual_rate="0.06",
        term=12,
        frequency="monthly",
        method="equal_principal",
        start_date=date(2024, 1, 15),
        grace={"periods": 2, "kind": "capitalised"},
    )
    first, second = schedule.rows[:2]
    assert (first.payment, first.interest, first.principal, first.balance) == (
        D(0),
        D("600.00"),
        D("-600.00"),
        D("120600.00"),
    )
    assert (second.interest, second.balance) == (D("603.00"), D("121203.00"))
    # Equal principal over the remaining 10 installments of the capitalised balance.
    assert schedule.rows[2].principal + schedule.rows[2].interest == quantize_money(
        D("121203") / 10 + D("121203") * D("0.005")
    )
    assert_schedule_invariants(schedule)


def test_interest_free_periods_charge_no_interest_and_keep_annuity_level() -> None:
    plain = build_schedule(
        principal="12000",
        annual_rate="0.12",
        term=12,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 1),
    )
    promo = build_schedule(
        principal="12000",
        annual_rate="0.12",
        term=12,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 1),
        interest_free_periods=3,
    )
    assert [row.interest for row in promo.rows[:3]] == [D(0)] * 3
    assert len({row.payment for row in promo.rows[:-1]}) == 1
    # A = 12,000 / (3 + a(9, 1 %)) with a(9, 1 %) = (1 - 1.01**-9) / 0.01
    assert promo.installment == quantize_money(annuity_payment(D(12000), D("0.01"), 12, interest_free=3))
    assert promo.installment < plain.installment
    assert promo.summary.total_interest < plain.summary.total_interest
    assert promo.summary.apr < plain.summary.apr
    assert_schedule_invariants(promo)


def test_bullet_pays_simple_interest_once_at_maturity() -> None:
    # 100,000 at 4.35 % for 12 months: 100,000 x 0.0435 = 4,350.00 in one payment (利随本清).
    schedule = build_schedule(
        principal="100000",
        annual_rate="0.0435",
        term=12,
        frequency="monthly",
        method="bullet",
        start_date=date(2024, 1, 1),
    )
    assert [row.payment for row in schedule.rows[:-1]] == [D(0)] * 11
    assert schedule.rows[-1].payment == D("104350.00")
    assert schedule.rows[-1].interest == D("4350.00")
    # One payment after a year at simple 4.35 %: the APR with monthly unit periods is lower.
    assert D("0.0425") < schedule.summary.apr < D("0.0435")
    assert_schedule_invariants(schedule)


def test_fees_in_summary_and_apr() -> None:
    # 10,000 over 12 months at a "monthly fee rate" of 0.5 % of the original principal, 0 % interest,
    # plus a 1 % upfront fee: the borrower receives 9,900 and pays 12 x (833.33.. + 50).
    schedule = build_schedule(
        principal="10000",
        annual_rate="0",
        term=12,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 1),
        fees=[{"kind": "upfront_percent", "value": "0.01"}, {"kind": "periodic_percent", "value": "0.005"}],
    )
    summary = schedule.summary
    assert summary.upfront_fees == D("100.00")
    assert summary.net_proceeds == D("9900.00")
    assert summary.total_fees == D("700.00")
    assert summary.total_interest == D(0)
    assert summary.total_payable == D("10700.00")
    assert schedule.rows[0].payment == D("883.33")
    # The flat 0.5 %/month "fee rate" is an APR of about 12.8 %: far above 6 %.
    assert D("0.125") < summary.apr < D("0.135")
    assert summary.effective_annual_rate > summary.apr
    assert_schedule_invariants(schedule)


def test_a_long_first_period_costing_more_than_the_installment_pays_its_interest() -> None:
    # No negative amortisation (issue 14's loose ends): the row whose interest exceeds the level
    # payment pays that interest and no principal, so the balance never grows.
    schedule = build_schedule(
        principal="100000",
        annual_rate="0.36",
        term=360,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 1, 1),
        first_due_date=date(2024, 3, 1),
        day_count=DayCount.ACT_365,
    )
    first = schedule.rows[0]
    assert first.interest > schedule.rows[1].payment  # more than the level installment
    assert (first.principal, first.payment) == (D(0), first.interest)
    assert first.balance == D(100000)
    assert all(row.principal >= 0 for row in schedule.rows)
    assert_schedule_invariants(schedule)


def test_schedule_rows_are_immutable_and_typed() -> None:
    schedule = mortgage("annuity", term=2)
    with pytest.raises(AttributeError):
        schedule.rows[0].payment = D(0)  # type: ignore[misc]
    assert isinstance(schedule.rows[0].due_date, date)
    assert schedule.rows[1].due_date - schedule.rows[0].due_date == timedelta(days=29)


def test_build_schedule_refuses_floats() -> None:
    with pytest.raises(EngineValidationError) as caught:
        mortgage("annuity", principal=1000000.0)
    assert list(caught.value.errors) == ["principal"]
