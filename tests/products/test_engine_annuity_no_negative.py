"""An annuity row never repays a negative principal (issue 14's loose ends): under ACT/365 a
366-day period's interest can exceed the level payment of a small, long loan; that row pays its
interest and no principal (a cent or two more than the level payment), and the balance never grows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from products.engine import DayCount, Frequency, Method, build_schedule
from tests.products.test_engine_properties import loan_terms
from tests.products.test_engine_schedule import assert_schedule_invariants

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


def test_worked_example_100_03_at_9_58_percent_over_70_years():
    # 100.03 at 9.58 %, 70 annual installments from 2025-03-03, ACT/365: level payment 9.60.
    # The third period (2027-03-03 .. 2028-03-03) has 366 days: 99.99 x 9.58 % x 366/365 = 9.6051
    # -> 9.61 > 9.60. The old schedule showed principal -0.01 (payment 9.60); now the row pays
    # its 9.61 interest and no principal, and the balance stays 99.99.
    schedule = build_schedule(
        principal="100.03",
        annual_rate="0.0958",
        term=70,
        frequency="annual",
        method="annuity",
        start_date=date(2025, 3, 3),
        day_count="ACT/365",
    )
    third = schedule.rows[2]
    assert (third.payment, third.principal, third.interest, third.balance) == (
        D("9.61"),
        D("0.00"),
        D("9.61"),
        D("99.99"),
    )
    assert all(row.principal >= 0 for row in schedule.rows)
    assert_schedule_invariants(schedule)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kwargs=loan_terms(
        methods=[Method.ANNUITY],
        frequencies=[Frequency.ANNUAL, Frequency.SEMIANNUAL, Frequency.MONTHLY],
        day_counts=[DayCount.ACT_365, DayCount.ACT_360],
        grace=False,
        fees=False,
    ),
    small=st.decimals(D("100"), D("500"), places=2),
    use_small=st.booleans(),
)
def test_no_annuity_row_repays_a_negative_principal(kwargs, small, use_small):
    if use_small:  # small balances over long terms are where a cent of interest tips the row
        kwargs["principal"] = small
    note(repr(kwargs))
    schedule = build_schedule(**kwargs)
    assert all(row.principal >= 0 for row in schedule.rows)
    assert_schedule_invariants(schedule)
