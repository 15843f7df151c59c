"""Installments and APR for the decision, from the platform's one schedule engine.

The engine (`products.engine`) is reached through the catalogue's `products.engine_adapter`,
so fees and interest-free periods count in the offer's APR exactly as in a quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from loanhub import clock
from loanhub.money import quantize_money
from products.choices import RepaymentMethod
from products.compliance import monthly_payment
from risk.product_terms import MONTHS_PER_PERIOD, ProductTerms


@dataclass(frozen=True)
class Repayment:
    installment: Decimal  # the largest regular installment (a final balloon is not regular)
    monthly_equivalent: Decimal  # what the installment weighs per month, for debt-to-income
    apr: Decimal
    engine: str  # which engine computed it, kept in the decision for audit


def schedule(terms: ProductTerms, *, principal: Decimal, annual_rate: Decimal, term_months: int, grade=None):
    """The engine's schedule of a loan on these terms (through the catalogue's adapter)."""
    from products import engine_adapter

    count = terms.installments(term_months)
    return engine_adapter.schedule(
        principal=principal,
        annual_rate=annual_rate,
        term=count,
        frequency=terms.frequency,
        method=terms.method,
        start_date=terms.start_date or clock.today(),
        day_count=terms.day_count,
        fees=[dict(fee) for fee in terms.fees],
        interest_free_periods=min(terms.grade_interest_free.get(grade, 0) if grade else 0, count),
        grace=terms.grace,
    )


def repayment(
    terms: ProductTerms,
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    grade: str | None = None,
) -> Repayment:
    months = MONTHS_PER_PERIOD[terms.frequency]
    result = schedule(
        terms, principal=principal, annual_rate=annual_rate, term_months=term_months, grade=grade
    )
    payments = [row["payment"] for row in result.installments]
    # The last row settles the rounding residue (or the balloon): it is not a regular installment.
    regular = payments[:-1] if len(payments) > 1 else payments
    if terms.method == RepaymentMethod.BULLET:
        largest = quantize_money(principal * annual_rate * months / 12)
    else:
        largest = max(regular)
    # The burden per month is the catalogue's one definition (products.compliance), the same that
    # a quote's debt-to-income and the publish-time caps use.
    burden = monthly_payment(result, method=terms.method, frequency=terms.frequency, term=term_months)
    return Repayment(quantize_money(largest), burden, result.summary["apr"], "products.engine")
