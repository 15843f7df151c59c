"""APR by the actuarial method of Regulation Z, Appendix J (12 CFR Part 1026), and its solver."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from products.engine import (
    AprResult,
    EngineValidationError,
    Frequency,
    add_months,
    apr_of_cashflows,
    build_schedule,
)

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def monthly(first: date, count: int, amount: str, months: int = 1) -> list[tuple[date, Decimal]]:
    return [(add_months(first, k * months), D(amount)) for k in range(count)]


def every(first: date, count: int, amount: str, days: int) -> list[tuple[date, Decimal]]:
    return [(first + timedelta(days=days * k), D(amount)) for k in range(count)]


def semimonthly_1st_and_16th(year: int, month: int, count: int, amount: str) -> list[tuple[date, Decimal]]:
    out = []
    for k in range(count):
        first_of_month = add_months(date(year, month, 1), k // 2)
        out.append((first_of_month.replace(day=1 if k % 2 == 0 else 16), D(amount)))
    return out


def percent(result: AprResult) -> Decimal:
    """The APR as the published two-decimal percentage."""
    return (result.apr * 100).quantize(D("0.01"))


# Published examples of 12 CFR Part 1026, Appendix J, paragraph (c) ("Examples for the actuarial
# method"), to the two decimals printed there. (c)(2)(ii) (payments every 4 weeks) and (c)(4)(ii)
# (every 2 months) use unit periods LoanHub does not offer and are left out.
REGULATION_Z_EXAMPLES = [
    pytest.param(  # (c)(1)(i): monthly payments, regular first period
        [(date(1978, 1, 10), D(5000))],
        monthly(date(1978, 2, 10), 24, "230.00"),
        Frequency.MONTHLY,
        D("9.69"),
        id="c1i-monthly-regular",
    ),
    pytest.param(  # (c)(1)(ii): monthly payments, long first period
        [(date(1978, 2, 10), D(6000))],
        monthly(date(1978, 4, 1), 36, "200.00"),
        Frequency.MONTHLY,
        D("11.82"),
        id="c1ii-monthly-long-first",
    ),
    pytest.param(  # (c)(1)(iii): semimonthly payments, short first period
        [(date(1978, 2, 23), D(5000))],
        semimonthly_1st_and_16th(1978, 3, 24, "219.17"),
        Frequency.SEMIMONTHLY,
        D("10.34"),
        id="c1iii-semimonthly-short-first",
    ),
    pytest.param(  # (c)(1)(iv): quarterly payments, long first period
        [(date(1978, 5, 23), D(10000))],
        monthly(date(1978, 10, 1), 40, "385.00", months=3),
        Frequency.QUARTERLY,
        D("8.97"),
        id="c1iv-quarterly-long-first",
    ),
    pytest.param(  # (c)(1)(v): weekly payments, long first period
        [(date(1978, 3, 20), D(500))],
        every(date(1978, 4, 21), 30, "17.60", days=7),
        Frequency.WEEKLY,
        D("14.96"),
        id="c1v-weekly-long-first",
    ),
    pytest.param(  # (c)(2)(i): monthly payments, regular first period, irregular first payment
        [(date(1978, 1, 10), D(5000))],
        [(date(1978, 2, 10), D(250)), *monthly(date(1978, 3, 10), 23, "230.00")],
        Frequency.MONTHLY,
        D("10.08"),
        id="c2i-odd-first-payment",
    ),
    pytest.param(  # (c)(3)(i): monthly payments, regular first period, irregular final payment
        [(date(1978, 1, 10), D(5000))],
        [*monthly(date(1978, 2, 10), 23, "230.00"), (date(1980, 1, 10), D(280))],
        Frequency.MONTHLY,
        D("10.50"),
        id="c3i-odd-final-payment",
    ),
    pytest.param(  # (c)(3)(ii): payments every 2 weeks, short first period, irregular final payment
        [(date(1978, 4, 3), D(200))],
        [*every(date(1978, 4, 11), 19, "9.50", days=14), (date(1978, 4, 11) + timedelta(days=266), D(30))],
        Frequency.BIWEEKLY,
        D("12.22"),
        id="c3ii-biweekly-short-first",
    ),
    pytest.param(  # (c)(4)(i): monthly, irregular first and final payments
        [(date(1978, 1, 10), D(5000))],
        [(date(1978, 2, 10), D(250)), *monthly(date(1978, 3, 10), 22, "230.00"), (date(1980, 1, 10), D(280))],
        Frequency.MONTHLY,
        D("10.90"),
        id="c4i-odd-first-and-final",
    ),
    pytest.param(  # (c)(5)(i): single advance, single payment, term under a year measured in days
        [(date(1978, 1, 3), D(1000))],
        [(date(1978, 9, 15), D(1080))],
        None,
        D("11.45"),
        id="c5i-single-payment-days",
    ),
]


@pytest.mark.parametrize(("advances", "payments", "frequency", "expected"), REGULATION_Z_EXAMPLES)
def test_regulation_z_appendix_j_examples(
    advances: list[tuple[date, Decimal]],
    payments: list[tuple[date, Decimal]],
    frequency: Frequency | None,
    expected: Decimal,
) -> None:
    assert percent(apr_of_cashflows(advances, payments, frequency)) == expected


def test_single_payment_term_is_the_unit_period() -> None:
    # 12 CFR 1026 App. J (b)(5)(vi): 255 days, so 365 / 255 unit periods a year; 8 % x 365 / 255.
    result = apr_of_cashflows([(date(1978, 1, 3), D(1000))], [(date(1978, 9, 15), D(1080))], None)
    assert result.unit_period == "term"
    assert result.unit_periods_per_year == D(365) / 255
    assert result.unit_period_rate == D("0.08")


def test_single_payment_after_one_year_is_the_simple_rate() -> None:
    # A loan of 1,000 repaid by one payment of 1,080 a year later: 8.00 % APR and effective rate.
    result = apr_of_cashflows([(date(2024, 3, 1), D(1000))], [(date(2025, 3, 1), D(1080))], None)
    assert (result.apr, result.effective_annual_rate, result.unit_period) == (D("0.08"), D("0.08"), "year")


def test_single_payment_after_whole_months_uses_12_over_months() -> None:
    # App. J (b)(5)(v): 6 whole months -> 2 unit periods a year; 1,040 for 1,000 -> 4 % x 2 = 8 %.
    result = apr_of_cashflows([(date(2024, 1, 31), D(1000))], [(date(2024, 7, 31), D(1040))], None)
    assert result.unit_periods_per_year == 2
    assert result.apr == D("0.08")
    assert result.effective_annual_rate == D("0.0816")


def test_single_payment_over_a_year_compounds_yearly() -> None:
    # Two years: 1,000 x 1.08**2 = 1,166.40 -> 8 %; 18 months: 1,000 x 1.08 x (1 + 0.08 x 6/12).
    two_years = apr_of_cashflows([(date(2020, 5, 5), D(1000))], [(date(2022, 5, 5), D("1166.40"))], None)
    assert two_years.apr == D("0.08")
    eighteen_months = apr_of_cashflows(
        [(date(2020, 5, 5), D(1000))], [(date(2021, 11, 5), D("1123.20"))], None
    )
    assert eighteen_months.apr == D("0.08")


def test_classic_level_payment_loan_is_twelve_percent() -> None:
    # 5,000 repaid by 36 monthly payments of 166.07 (1 % a month): 12.00 % APR, 12.68 % effective.
    result = apr_of_cashflows([(date(2024, 1, 15), D(5000))], monthly(date(2024, 2, 15), 36, "166.07"))
    assert percent(result) == D("12.00")
    assert (result.effective_annual_rate * 100).quantize(D("0.01")) == D("12.68")
    assert (result.unit_period, result.unit_periods_per_year) == ("monthly", 12)


@pytest.mark.parametrize(
    ("advance_day", "payment_day", "frequency", "payment", "apr"),
    [
        # A payment on the last day of February stands for a series on the 29th-31st: Jan 30 -> Feb 28
        # is one whole month (App. J (b)(3)(iv)), so 1 % for the month is exactly 12 %.
        (date(2023, 1, 30), date(2023, 2, 28), Frequency.MONTHLY, "1010.00", D("0.12")),
        (date(2023, 1, 31), date(2023, 4, 30), Frequency.QUARTERLY, "1030.00", D("0.12")),
        (date(2024, 2, 29), date(2025, 2, 28), Frequency.ANNUAL, "1120.00", D("0.12")),
        # Mid-month advance, month-end payment: 3 months and 15 days back = 105 / 90 quarters, simple
        # interest for the fraction: 1,000 x (1 + 15/90 x 0.03) x 1.03 = 1,035.15 at 3 % a quarter.
        (date(2023, 1, 15), date(2023, 4, 30), Frequency.QUARTERLY, "1035.15", D("0.12")),
    ],
)
def test_whole_months_are_counted_back_from_the_payment(
    advance_day: date, payment_day: date, frequency: Frequency, payment: str, apr: Decimal
) -> None:
    result = apr_of_cashflows([(advance_day, D(1000))], [(payment_day, D(payment))], frequency)
    assert result.apr == apr


def test_fractional_period_is_simple_interest() -> None:
    # 1,000 advanced on Jan 15, 1,015 paid on Feb 29 2024: 1 month + 14 days counted back from the
    # payment, t = 1 + 14/30. Solve 1,000 x (1 + 14/30 i)(1 + i) = 1,015 for the exact check.
    result = apr_of_cashflows([(date(2024, 1, 15), D(1000))], [(date(2024, 2, 29), D(1015))])
    i = result.unit_period_rate
    assert abs(D(1000) * (1 + D(14) / 30 * i) * (1 + i) - D(1015)) < D("1e-15")


def test_weekly_fraction_is_days_over_seven() -> None:
    result = apr_of_cashflows([(date(2024, 1, 1), D(1000))], [(date(2024, 1, 11), D(1002))], Frequency.WEEKLY)
    i = result.unit_period_rate
    assert abs(D(1000) * (1 + D(3) / 7 * i) * (1 + i) - D(1002)) < D("1e-15")
    assert result.apr == (i * 52).quantize(D("0.000001"))


def test_multiple_advances_discount_each_from_the_first() -> None:
    advances = [(date(2024, 1, 1), D(1000)), (date(2024, 4, 1), D(1000))]
    payments = monthly(date(2024, 7, 1), 12, "180.00")
    result = apr_of_cashflows(advances, payments)
    i = result.unit_period_rate
    present_value = sum((amount / (1 + i) ** k for k, (_, amount) in enumerate(payments, start=6)), D(0)) - (
        D(1000) + D(1000) / (1 + i) ** 3
    )
    assert abs(present_value) < D("1e-12")
    assert D("0.06") < result.apr < D("0.12")


def test_payments_worth_less_than_the_advance_give_a_negative_rate() -> None:
    result = apr_of_cashflows([(date(2024, 1, 1), D(1000))], monthly(date(2024, 2, 1), 12, "80.00"))
    assert result.apr < 0
    assert result.effective_annual_rate < 0


def test_zero_cost_loan_has_zero_apr() -> None:
    result = apr_of_cashflows([(date(2024, 1, 1), D(1200))], monthly(date(2024, 2, 1), 12, "100.00"))
    assert (result.apr, result.effective_annual_rate) == (D(0), D(0))


def test_schedule_apr_with_fees_matches_its_cash_flows_and_exceeds_the_rate() -> None:
    schedule = build_schedule(
        principal="300000",
        annual_rate="0.0435",
        term=360,
        frequency="monthly",
        method="annuity",
        start_date=date(2024, 5, 20),
        fees=[{"kind": "upfront_percent", "value": "0.01"}, {"kind": "periodic", "value": "10.00"}],
    )
    advances, payments = schedule.cash_flows()
    assert advances == [(date(2024, 5, 20), D("297000.00"))]
    result = apr_of_cashflows(advances, payments, "monthly")
    assert (result.apr, result.effective_annual_rate) == (
        schedule.summary.apr,
        schedule.summary.effective_annual_rate,
    )
    assert schedule.summary.apr > D("0.0435")


def test_usurious_rates_still_report() -> None:
    # A 100 advance repaid with 345.52 a week later: thousands of percent, not an overflow.
    result = apr_of_cashflows([(date(2000, 1, 1), D(100))], [(date(2000, 1, 8), D("345.52"))], "weekly")
    assert result.apr == D("127.6704")  # 245.52 % a week x 52
    assert result.effective_annual_rate > D("1e27")


@pytest.mark.parametrize(
    ("advances", "payments", "frequency", "field"),
    [
        ([], [(date(2024, 2, 1), D(10))], "monthly", "advances"),
        ([(date(2024, 1, 1), D(-5))], [(date(2024, 2, 1), D(10))], "monthly", "advances"),
        ([(date(2024, 1, 1), 100.0)], [(date(2024, 2, 1), D(10))], "monthly", "advances"),
        ([(date(2024, 1, 1), D(100))], [(date(2024, 1, 1), D(110))], "monthly", "payments"),
        ([(date(2024, 1, 1), D(100))], [(date(2023, 12, 1), D(110))], "monthly", "payments"),
        ([(date(2024, 1, 1), D(100))], [(date(2024, 2, 1), D(0))], "monthly", "payments"),
        ([(date(2024, 1, 1), D(100))], [(date(2024, 2, 1), D("NaN"))], "monthly", "payments"),
        ([(date(2024, 1, 1), D(100))], [(datetime(2024, 2, 1, 9), D(110))], "monthly", "payments"),  # noqa: DTZ001
        (
            [(date(2024, 1, 1), D(100))],
            [(date(2024, 2, 1), D(60)), (date(2024, 3, 1), D(60))],
            None,
            "frequency",
        ),
        ([(date(2024, 1, 1), D(100))], [(date(2024, 2, 1), D(110))], "fortnightly", "frequency"),
    ],
)
def test_invalid_cash_flows_are_refused_by_field(
    advances: list[tuple[date, object]],
    payments: list[tuple[date, object]],
    frequency: str | None,
    field: str,
) -> None:
    with pytest.raises(EngineValidationError) as caught:
        apr_of_cashflows(advances, payments, frequency)  # type: ignore[arg-type]
    assert field in caught.value.errors
