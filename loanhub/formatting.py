"""How money and rates are written out (API strings, pages), in one place: rounded half-up.

Amounts become strings with two decimals, rates (Decimal fractions) strings with six decimals,
and percentages "4.90%". Python's own format() would round half-even, so every function
quantizes half-up first.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def money_text(value: Decimal | None) -> str | None:
    """1234.5 → "1234.50"; None stays None."""
    return None if value is None else str(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def rate_text(value: Decimal | None, places: int = 6) -> str | None:
    """0.049 → "0.049000"; None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent_text(rate: Decimal | None, places: int = 2) -> str:
    """0.049 → "4.90%"; None → ""."""
    if rate is None:
        return ""
    return f"{(Decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
