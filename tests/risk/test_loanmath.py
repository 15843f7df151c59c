"""The decision's repayment comes from the one engine and the catalogue's one burden definition."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from loanhub import clock
from products import engine_adapter
from products.compliance import monthly_payment
from risk import loanmath


@pytest.mark.parametrize(
    ("method", "frequency", "term"),
    [("annuity", "monthly", 24), ("equal_principal", "quarterly", 24), ("bullet", "monthly", 12)],
)
def test_the_burden_is_the_catalogues_definition(terms, method, frequency, term):
    terms = dataclasses.replace(terms, method=method, frequency=frequency)
    repayment = loanmath.repayment(
        terms, principal=Decimal("60000"), annual_rate=Decimal("0.06"), term_months=term
    )
    schedule = engine_adapter.schedule(
        principal=Decimal("60000"),
        annual_rate=Decimal("0.06"),
        term=terms.installments(term),
        frequency=frequency,
        method=method,
        start_date=terms.start_date or clock.today(),
        day_count=terms.day_count,
        fees=[],
    )
    assert repayment.monthly_equivalent == monthly_payment(
        schedule, method=method, frequency=frequency, term=term
    )


def test_a_bullet_loan_weighs_its_whole_repayment_spread_over_the_term(terms):
    # Nothing is paid before maturity: 60,000 plus a year's interest at 6 %, over 12 months.
    terms = dataclasses.replace(terms, method="bullet")
    repayment = loanmath.repayment(
        terms, principal=Decimal("60000"), annual_rate=Decimal("0.06"), term_months=12
    )
    assert repayment.monthly_equivalent == Decimal("5300.00")
