"""Revolving credit line (随借随还): daily interest, statements, allocation, limit, payoff."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from products.engine import (
    CreditLimitExceededError,
    EngineValidationError,
    LineTransaction,
    RevolvingState,
    TransactionKind,
    revolving_payoff,
    revolving_run,
)

D = Decimal
DRAW, REPAY = TransactionKind.DRAW, TransactionKind.REPAYMENT


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def line(transactions: list[LineTransaction], as_of: date, **overrides: Any) -> RevolvingState:
    # 3.65 % a year on ACT/365 is exactly 0.01 % a day: 1.00 a day per 10,000 drawn.
    params: dict[str, Any] = {
        "credit_limit": "50000",
        "annual_rate": "0.0365",
        "statement_day": 25,
        "opened_on": date(2024, 1, 10),
        "transactions": transactions,
        "as_of": as_of,
    }
    params.update(overrides)
    return revolving_run(**params)


def test_daily_interest_statements_and_interest_first_allocation() -> None:
    # Given 10,000 drawn on Jan 10 and 5,000 repaid on Feb 10:
    # - statement Jan 25 charges Jan 10..25 = 16 days x 1.00 = 16.00;
    # - the repayment crystallises Jan 26..Feb 9 = 15.00, so 31.00 goes to interest, 4,969.00 to principal;
    # - statement Feb 25 charges 15.00 + Feb 10..25 = 16 days x 0.5031 = 8.05 -> 23.05 in the cycle;
    # - on Mar 1, Feb 26..29 = 4 days x 0.5031 = 2.01 accrued: payoff 5,031 + 8.05 + 2.01.
    state = line(
        [
            LineTransaction(date(2024, 1, 10), DRAW, D(10000)),
            LineTransaction(date(2024, 2, 10), REPAY, D(5000)),
        ],
        as_of=date(2024, 3, 1),
    )

    first, second = state.statements
    assert (first.period_start, first.statement_date, first.draws, first.interest, first.closing_balance) == (
        date(2024, 1, 10),
        date(2024, 1, 25),
        D("10000.00"),
        D("16.00"),
        D("10016.00"),
    )
    assert (second.period_start, second.opening_balance, second.repayments, second.interest) == (
        date(2024, 1, 26),
        D("10016.00"),
        D("5000.00"),
        D("23.05"),
    )
    assert (second.closing_balance, second.principal_balance, second.interest_due, second.minimum_due) == (
        D("5039.05"),
        D("5031.00"),
        D("8.05"),
        D("8.05"),
    )
    (allocation,) = state.allocations
    assert (allocation.interest, allocation.principal) == (D("31.00"), D("4969.00"))
    assert (state.principal, state.interest_due, state.accrued_interest, state.payoff_amount) == (
        D("5031.00"),
        D("8.05"),
        D("2.01"),
        D("5041.06"),
    )
    assert state.available == D("44969.00")


def test_act_360_charges_more_per_day() -> None:
    draws = [LineTransaction(date(2024, 1, 10), DRAW, D(36000))]
    act365 = line(draws, as_of=date(2024, 2, 1))
    act360 = line(draws, as_of=date(2024, 2, 1), day_count="ACT/360")
    # 16 days to the Jan 25 statement: 36,000 x 3.65 % x 16 / 365 = 57.60, / 360 = 58.40.
    assert act365.statements[0].interest == D("57.60")
    assert act360.statements[0].interest == D("58.40")


def test_draw_above_the_available_limit_is_refused_with_the_field() -> None:
    transactions = [
        LineTransaction(date(2024, 1, 10), DRAW, D(45000)),
        LineTransaction(date(2024, 1, 12), DRAW, D("5000.01")),
    ]
    with pytest.raises(CreditLimitExceededError) as caught:
        line(transactions, as_of=date(2024, 2, 1))
    error = caught.value
    assert isinstance(error, EngineValidationError)
    assert isinstance(error, ValueError)
    assert list(error.errors) == ["amount"]
    assert (error.requested, error.available, error.on) == (D("5000.01"), D("5000.00"), date(2024, 1, 12))


def test_repaid_principal_frees_the_limit() -> None:
    transactions = [
        LineTransaction(date(2024, 1, 10), DRAW, D(50000)),
        LineTransaction(date(2024, 1, 20), REPAY, D(20000)),
        LineTransaction(date(2024, 1, 21), DRAW, D(19000)),
    ]
    state = line(transactions, as_of=date(2024, 1, 22))
    # 10 days x 5.00 = 50.00 interest paid first, so 19,950 of principal was repaid.
    assert state.principal == D("49050.00")
    assert state.available == D("950.00")


def test_repayment_above_what_is_owed_is_refused() -> None:
    transactions = [
        LineTransaction(date(2024, 1, 10), DRAW, D(1000)),
        LineTransaction(date(2024, 1, 20), REPAY, D(2000)),
    ]
    with pytest.raises(EngineValidationError) as caught:
        line(transactions, as_of=date(2024, 2, 1))
    assert list(caught.value.errors) == ["amount"]


def test_payoff_repaid_on_its_date_clears_the_line() -> None:
    transactions = [
        LineTransaction(date(2024, 1, 10), DRAW, D("12345.67")),
        LineTransaction(date(2024, 2, 3), REPAY, D("1000")),
        LineTransaction(date(2024, 3, 7), DRAW, D("2500")),
    ]
    payoff_day = date(2024, 4, 9)
    amount = revolving_payoff(
        credit_limit="50000",
        annual_rate="0.0365",
        statement_day=25,
        opened_on=date(2024, 1, 10),
        transactions=transactions,
        payoff_date=payoff_day,
    )
    later = line([*transactions, LineTransaction(payoff_day, REPAY, amount)], as_of=date(2024, 6, 1))
    assert (later.principal, later.interest_due, later.accrued_interest, later.payoff_amount) == (
        D(0),
        D(0),
        D(0),
        D(0),
    )
    assert later.statements[-1].interest == D("0.00")


def test_statement_day_31_closes_on_month_ends() -> None:
    state = line(
        [LineTransaction(date(2024, 1, 10), DRAW, D(1000))], as_of=date(2024, 5, 1), statement_day=31
    )
    assert [s.statement_date for s in state.statements] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]


def test_transactions_after_as_of_are_ignored_and_statement_day_transactions_belong_to_it() -> None:
    transactions = [
        LineTransaction(date(2024, 1, 25), DRAW, D(10000)),  # on the statement day: in that cycle
        LineTransaction(date(2024, 3, 1), DRAW, D(10000)),
    ]
    state = line(transactions, as_of=date(2024, 2, 1))
    assert state.statements[0].draws == D("10000.00")
    assert state.statements[0].interest == D("1.00")  # the draw day itself accrues
    assert state.principal == D("10000.00")


def test_minimum_due_adds_a_share_of_principal() -> None:
    state = line(
        [LineTransaction(date(2024, 1, 10), DRAW, D(10000))],
        as_of=date(2024, 1, 26),
        minimum_principal_rate="0.1",
    )
    assert state.statements[0].minimum_due == D("1016.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_limit": "0"}, "credit_limit"),
        ({"annual_rate": "-0.01"}, "annual_rate"),
        ({"statement_day": 32}, "statement_day"),
        ({"day_count": "30/360"}, "day_count"),
        ({"as_of": date(2023, 12, 31)}, "as_of"),
        ({"transactions": [LineTransaction(date(2024, 1, 1), DRAW, D(10))]}, "transactions"),
        ({"transactions": [{"on": date(2024, 2, 1), "kind": "withdraw", "amount": "10"}]}, "transactions"),
        ({"transactions": [{"on": date(2024, 2, 1), "kind": "draw", "amount": "10.001"}]}, "transactions"),
        ({"transactions": "draw 10"}, "transactions"),
    ],
)
def test_invalid_line_inputs_are_refused_by_field(overrides: dict[str, Any], field: str) -> None:
    params: dict[str, Any] = {"transactions": [], "as_of": date(2024, 2, 1), **overrides}
    with pytest.raises(EngineValidationError) as caught:
        line(**params)
    assert field in caught.value.errors


@st.composite
def line_histories(draw: st.DrawFn) -> list[tuple[int, str, Decimal]]:
    """Day offsets, kinds and amounts; repayments are a share of what is owed (resolved in the test)."""
    steps = draw(st.lists(st.tuples(st.integers(0, 40), st.booleans(), st.integers(1, 100)), max_size=8))
    return [(gap, "draw" if is_draw else "repayment", D(share)) for gap, is_draw, share in steps]


@settings(max_examples=60, deadline=None)
@given(line_histories(), st.sampled_from(["ACT/365", "ACT/360"]), st.integers(1, 31))
def test_statements_reconcile(
    history: list[tuple[int, str, Decimal]], day_count: str, statement_day: int
) -> None:
    # closing = opening + draws - repayments + interest, each cycle opens with the last closing, and
    # the repayments split exactly into interest and principal.
    opened = date(2024, 1, 10)
    common = {
        "credit_limit": "100000",
        "annual_rate": "0.18",
        "statement_day": statement_day,
        "opened_on": opened,
    }
    transactions: list[LineTransaction] = []
    on = opened
    for gap, kind, share in history:
        on += timedelta(days=gap)
        state = revolving_run(**common, transactions=transactions, as_of=on, day_count=day_count)
        if kind == "draw":
            amount = (state.available * share / 100).quantize(D("0.01"))
        else:
            amount = (state.payoff_amount * share / 100).quantize(D("0.01"))
        if amount > 0:
            transactions.append(LineTransaction(on, TransactionKind(kind), amount))
    state = revolving_run(
        **common, transactions=transactions, as_of=on + timedelta(days=70), day_count=day_count
    )

    previous_closing = D("0.00")
    for statement in state.statements:
        assert statement.opening_balance == previous_closing
        assert statement.closing_balance == (
            statement.opening_balance + statement.draws - statement.repayments + statement.interest
        )
        assert statement.closing_balance == statement.principal_balance + statement.interest_due
        assert statement.interest >= 0
        previous_closing = statement.closing_balance
    for allocation in state.allocations:
        assert allocation.interest + allocation.principal == allocation.amount
        assert allocation.interest >= 0 and allocation.principal >= 0  # noqa: PT018
    assert state.principal >= 0
    assert state.payoff_amount == state.principal + state.interest_due + state.accrued_interest
