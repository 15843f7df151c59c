"""`engine.reprice`: a floating rate's reset (利率重定价) re-amortises the balance at the new rate
over the same remaining due dates, from the first period boundary on or after the reset date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from products import engine

START = dt.date(2026, 3, 15)


def _schedule(**terms):
    base = {
        "principal": D("100000.00"),
        "annual_rate": D("0.045"),
        "term": 24,
        "frequency": "monthly",
        "method": "annuity",
        "start_date": START,
        "day_count": "30/360",
    }
    return engine.build_schedule(**{**base, **terms})


def test_a_reset_on_a_due_date_reprices_the_rest_like_a_new_loan_of_the_balance():
    schedule = _schedule()
    done = engine.reprice(schedule, reset_date=dt.date(2027, 3, 15), annual_rate=D("0.044"))
    assert done.effective_date == dt.date(2027, 3, 15)
    assert done.installments_kept == 12
    balance = schedule.rows[11].balance
    fresh = _schedule(principal=balance, annual_rate=D("0.044"), term=12, start_date=dt.date(2027, 3, 15))
    assert [(r.number, r.due_date) for r in done.remaining.rows] == [
        (13 + i, r.due_date) for i, r in enumerate(fresh.rows)
    ]
    assert [(r.principal, r.interest, r.balance) for r in done.remaining.rows] == [
        (r.principal, r.interest, r.balance) for r in fresh.rows
    ]
    # Annuity formula A = P·r / (1 − (1 + r)^−n) with P = 51 122.72, r = 4.4 % / 12, n = 12.
    assert balance == D("51122.72")
    assert done.remaining.rows[0].principal + done.remaining.rows[0].interest == D("4362.44")


def test_a_reset_inside_a_period_starts_at_the_next_due_date():
    schedule = _schedule()
    done = engine.reprice(schedule, reset_date=dt.date(2027, 1, 1), annual_rate=D("0.05"))
    # 1 January falls inside the 10th period (15 December – 15 January): the new rate starts at its end.
    assert done.effective_date == schedule.rows[9].due_date == dt.date(2027, 1, 15)
    assert done.installments_kept == 10
    assert done.remaining.rows[0].due_date == schedule.rows[10].due_date
    assert done.remaining.rows[-1].due_date == schedule.rows[-1].due_date
    assert done.remaining.rows[-1].balance == D("0.00")


@pytest.mark.parametrize(
    ("reset_date", "annual_rate", "field"),
    [
        (dt.date(2028, 3, 15), D("0.04"), "reset_date"),  # the maturity: nothing after it
        ("2027-13-01", D("0.04"), "reset_date"),
        (dt.date(2027, 3, 15), D("-0.01"), "annual_rate"),
        (dt.date(2027, 3, 15), 0.04, "annual_rate"),  # a float is refused
    ],
)
def test_refused_input_names_the_field(reset_date, annual_rate, field):
    with pytest.raises(engine.EngineValidationError) as refused:
        engine.reprice(_schedule(), reset_date=reset_date, annual_rate=annual_rate)
    assert set(refused.value.errors) == {field}
