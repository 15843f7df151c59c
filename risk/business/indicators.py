"""Quantitative indicators of a business, computed from its stated figures and the new loan.

Pure functions on Decimals (no Django). Each returns None when its denominator is zero or
negative, so the scorecard can give the indicator's `missing` points rather than divide by zero.
Ratios are rounded half-up to four places.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

PLACES = Decimal("0.0001")
MONTHS_PER_YEAR = 12


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(PLACES, rounding=ROUND_HALF_UP)


def debt_ratio(*, total_liabilities: Decimal, total_assets: Decimal) -> Decimal | None:
    """资产负债率: total liabilities / total assets."""
    return _ratio(total_liabilities, total_assets)


def revenue_growth(*, revenue: Decimal, revenue_previous: Decimal) -> Decimal | None:
    """营业收入增长率: (this year's revenue − last year's) / last year's."""
    return _ratio(Decimal(revenue) - Decimal(revenue_previous), revenue_previous)


def profit_margin(*, net_profit: Decimal, revenue: Decimal) -> Decimal | None:
    """销售净利率: net profit / revenue (negative for a loss)."""
    return _ratio(net_profit, revenue)


def loan_to_revenue(*, amount: Decimal, revenue: Decimal) -> Decimal | None:
    """The new loan's amount / annual revenue."""
    return _ratio(amount, revenue)


def annual_debt_service(payments: Iterable[Decimal], *, months_per_period: int) -> Decimal:
    """What the new loan costs in its first year: the sum of the payments falling in its first
    twelve months (all of them for a shorter loan), from the engine's schedule."""
    periods = max(MONTHS_PER_YEAR // months_per_period, 1)
    return sum((Decimal(p) for p in list(payments)[:periods]), Decimal("0"))


def dscr(*, net_profit: Decimal, debt_service: Decimal) -> Decimal | None:
    """Debt-service coverage of the new loan: the year's net profit / the first year's debt
    service of the new loan. Net profit stands in for the cash available to service debt (the
    customer states no cash-flow statement), which understates it by depreciation: prudent."""
    return _ratio(net_profit, debt_service)
