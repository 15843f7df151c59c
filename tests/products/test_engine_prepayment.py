"""Payoff quotes, partial prepayments (both modes) and deferrals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from products.engine import (
    DayCount,
    EngineValidationError,
    PrepaymentMode,
    Schedule,
    annuity_payment,
    build_schedule,
    defer_installments,
    payoff_quote,
    prepay,
    quantize_money,
)
from tests.products.test_engine_schedule import assert_schedule_invariants

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def loan(method: str = "annuity", **overrides: object) -> Schedule:
    params: dict[str, object] = {
        "principal": "100000",
        "annual_rate": "0.06",
        "term": 12,
        "frequency": "monthly",
        "method": method,
        "start_date": date(2024, 1, 15),
    }
    params.update(overrides)
    return build_schedule(**params)


# --- payoff ---------------------------------------------------------------------------------


def test_payoff_is_principal_plus_accrued_interest_plus_fee() -> None:
    # Given three installments paid (Feb 15, Mar 15, Apr 15) and a balance of 75,558.28,
    # when paying off on Apr 30: 15 of the 30 days of the period -> 75,558.28 x 0.5 % x 15/30 = 188.90;
    # fee 1 % of the principal above a 10,000 free allowance = 655.58.
    schedule = loan()
    assert schedule.rows[2].balance == D("75558.28")

    quote = payoff_quote(schedule, payoff_date=date(2024, 4, 30), fee_rate="0.01", free_allowance="10000")

    assert (quote.installments_paid, quote.principal, quote.interest, quote.fee, quote.total) == (
        3,
        D("75558.28"),
        D("188.90"),
        D("655.58"),
        D("76402.76"),
    )


def test_payoff_on_a_due_date_takes_that_installment_as_paid() -> None:
    schedule = loan()
    quote = payoff_quote(schedule, payoff_date=date(2024, 4, 15))
    assert (quote.installments_paid, quote.principal, quote.interest, quote.fee) == (
        3,
        D("75558.28"),
        D("0.00"),
        D("0.00"),
    )


def test_payoff_on_the_start_date_is_the_principal() -> None:
    assert payoff_quote(loan(), payoff_date=date(2024, 1, 15)).total == D("100000.00")


def test_payoff_with_actual_days_accrues_by_days_over_365() -> None:
    schedule = loan(day_count=DayCount.ACT_365)
    quote = payoff_quote(schedule, payoff_date=date(2024, 5, 1))
    balance = schedule.rows[2].balance
    assert quote.interest == quantize_money(balance * D("0.06") * 16 / 365)


def test_bullet_payoff_accrues_simple_interest_from_the_start() -> None:
    # 100,000 at 4.35 % since Jan 1: six whole months + 15 of the 31 days from Jul 1 to Aug 1.
    schedule = loan("bullet", annual_rate="0.0435", start_date=date(2024, 1, 1))
    quote = payoff_quote(schedule, payoff_date=date(2024, 7, 16))
    expected = quantize_money(D(100000) * D("0.0435") * (D(6) / 12 + D(15) / (12 * 31)))
    assert quote.interest == expected == D("2350.40")
    assert quote.principal == D("100000.00")


def test_free_allowance_above_the_principal_means_no_fee() -> None:
    quote = payoff_quote(loan(), payoff_date=date(2024, 6, 1), fee_rate="0.03", free_allowance="1000000")
    assert quote.fee == D("0.00")


# --- partial prepayment ----------------------------------------------------------------------


def test_reduce_installment_keeps_the_term_and_lowers_the_installment() -> None:
    schedule = loan()

    result = prepay(schedule, prepayment_date=date(2024, 4, 30), amount="20000", mode="reduce_installment")

    remaining = result.remaining
    assert (result.installments_paid, result.interest, result.fee, result.total_paid) == (
        3,
        D("188.90"),
        D("0.00"),
        D("20188.90"),
    )
    assert [row.number for row in remaining.rows] == list(range(4, 13))
    assert [row.due_date for row in remaining.rows] == [row.due_date for row in schedule.rows[3:]]
    # Stub Apr 30 -> May 15 under 30/360: 55,558.28 x 6 % x 15 / 360 = 138.90.
    assert remaining.rows[0].interest == D("138.90")
    assert remaining.installment == quantize_money(annuity_payment(D("55558.28"), D("0.005"), 9))
    assert remaining.installment < schedule.installment
    assert result.interest_saved > 0
    assert_schedule_invariants(remaining)


def test_shorten_term_keeps_the_installment_and_drops_installments() -> None:
    schedule = loan()

    result = prepay(
        schedule, prepayment_date=date(2024, 4, 30), amount="20000", mode=PrepaymentMode.SHORTEN_TERM
    )

    rows = result.remaining.rows
    assert [row.number for row in rows] == list(range(4, 11))
    assert {row.payment for row in rows[:-1]} == {D("8606.64")}
    assert D(0) < rows[-1].payment <= D("8606.64")
    assert sum((row.principal for row in rows), D(0)) == D("55558.28")
    assert (
        result.interest_saved
        > prepay(
            schedule, prepayment_date=date(2024, 4, 30), amount="20000", mode="reduce_installment"
        ).interest_saved
    )
    assert_schedule_invariants(result.remaining)


def test_shorten_term_for_equal_principal_keeps_the_principal_share() -> None:
    schedule = loan("equal_principal", principal="120000")
    result = prepay(schedule, prepayment_date=date(2024, 3, 15), amount="30000", mode="shorten_term")
    # 120,000 / 12 = 10,000 a month; after 2 paid and 30,000 prepaid, 70,000 needs 7 more.
    assert len(result.remaining.rows) == 7
    assert {row.principal for row in result.remaining.rows} == {D("10000.00")}
    assert result.interest == D("0.00")  # prepaid on a due date: nothing accrued yet


def test_prepayment_fee_applies_above_the_allowance() -> None:
    result = prepay(
        loan(),
        prepayment_date=date(2024, 4, 15),
        amount="20000",
        mode="reduce_installment",
        fee_rate="0.02",
        free_allowance="5000",
    )
    assert result.fee == D("300.00")
    assert result.total_paid == D("20300.00")


def test_month_end_loan_keeps_its_dates_after_a_prepayment() -> None:
    schedule = loan(start_date=date(2024, 1, 31), term=6)
    result = prepay(schedule, prepayment_date=date(2024, 4, 30), amount="10000", mode="reduce_installment")
    assert [row.due_date for row in result.remaining.rows] == [
        date(2024, 5, 31),
        date(2024, 6, 30),
        date(2024, 7, 31),
    ]


def test_prepayment_inside_a_grace_period_carries_the_rest_of_the_grace() -> None:
    schedule = loan(grace={"periods": 4, "kind": "interest_only"})
    result = prepay(schedule, prepayment_date=date(2024, 3, 15), amount="50000", mode="reduce_installment")
    assert [row.principal for row in result.remaining.rows[:2]] == [D(0), D(0)]
    assert result.remaining.rows[2].principal > 0
    assert_schedule_invariants(result.remaining)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (
            {"prepayment_date": date(2024, 4, 30), "amount": "75558.28", "mode": "reduce_installment"},
            "amount",
        ),
        ({"prepayment_date": date(2024, 4, 30), "amount": "0", "mode": "reduce_installment"}, "amount"),
        ({"prepayment_date": date(2024, 4, 30), "amount": 100.0, "mode": "reduce_installment"}, "amount"),
        (
            {"prepayment_date": date(2025, 1, 15), "amount": "100", "mode": "reduce_installment"},
            "prepayment_date",
        ),
        (
            {"prepayment_date": date(2024, 1, 14), "amount": "100", "mode": "reduce_installment"},
            "prepayment_date",
        ),
        ({"prepayment_date": date(2024, 4, 30), "amount": "100", "mode": "reduce_term"}, "mode"),
        (
            {"prepayment_date": date(2024, 4, 30), "amount": "100", "mode": "shorten_term", "fee_rate": "2"},
            "fee_rate",
        ),
        (
            {
                "prepayment_date": date(2024, 4, 30),
                "amount": "100",
                "mode": "shorten_term",
                "free_allowance": "-1",
            },
            "free_allowance",
        ),
    ],
)
def test_invalid_prepayments_are_refused_by_field(kwargs: dict[str, object], field: str) -> None:
    schedule = loan()
    with pytest.raises(EngineValidationError) as caught:
        prepay(schedule, **kwargs)  # type: ignore[arg-type]
    assert field in caught.value.errors
    assert schedule.rows[-1].balance == D("0.00")  # the schedule itself is untouched


def test_shorten_term_needs_an_amortising_method() -> None:
    with pytest.raises(EngineValidationError) as caught:
        prepay(loan("interest_only"), prepayment_date=date(2024, 4, 30), amount="100", mode="shorten_term")
    assert list(caught.value.errors) == ["mode"]


def test_payoff_date_after_maturity_is_refused() -> None:
    with pytest.raises(EngineValidationError) as caught:
        payoff_quote(loan(), payoff_date=date(2025, 2, 1))
    assert list(caught.value.errors) == ["payoff_date"]


# --- deferral --------------------------------------------------------------------------------


def test_deferral_capitalises_interest_and_reamortises_to_the_same_maturity() -> None:
    # Given installments 1-3 paid (balance 75,558.28), when deferring installments 4 and 5: their
    # interest (377.79, then 379.68 on the grown balance) is capitalised, and 76,315.75 is repaid over
    # the 7 installments left, 6 through 12.
    schedule = loan()

    result = defer_installments(schedule, first_installment=4, installments=2)

    rows = result.remaining.rows
    assert result.capitalised_interest == D("757.47")
    assert [(row.payment, row.interest, row.principal) for row in rows[:2]] == [
        (D("0.00"), D("377.79"), D("-377.79")),
        (D("0.00"), D("379.68"), D("-379.68")),
    ]
    assert rows[1].balance == D("76315.75")
    assert rows[2].payment == quantize_money(annuity_payment(D("76315.75"), D("0.005"), 7))
    assert [row.number for row in rows] == list(range(4, 13))
    assert rows[-1].due_date == schedule.rows[-1].due_date
    assert_schedule_invariants(result.remaining)


def test_deferral_from_the_first_installment_keeps_an_odd_first_period() -> None:
    schedule = loan(first_due_date=date(2024, 3, 1))
    result = defer_installments(schedule, first_installment=1, installments=1)
    # days360(Jan 15, Mar 1) = 46: 100,000 x 6 % x 46 / 360 = 766.67, capitalised.
    assert result.capitalised_interest == D("766.67")
    assert_schedule_invariants(result.remaining)


@pytest.mark.parametrize(
    ("first", "count", "field"),
    [
        (0, 1, "first_installment"),
        (11, 2, "installments"),
        (12, 1, "installments"),
        (3, 0, "installments"),
        ("4", 1, "first_installment"),
    ],
)
def test_invalid_deferrals_are_refused(first: object, count: object, field: str) -> None:
    with pytest.raises(EngineValidationError) as caught:
        defer_installments(loan(), first_installment=first, installments=count)
    assert field in caught.value.errors


def test_deferral_refused_inside_grace_and_for_bullets() -> None:
    with pytest.raises(EngineValidationError) as caught:
        defer_installments(loan(grace={"periods": 3}), first_installment=2, installments=1)
    assert list(caught.value.errors) == ["first_installment"]
    with pytest.raises(EngineValidationError) as caught:
        defer_installments(loan("bullet"), first_installment=2, installments=1)
    assert list(caught.value.errors) == ["installments"]
