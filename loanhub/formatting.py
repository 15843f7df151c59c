"""How money and rates are written out (API strings, pages), in one place: rounded half-up.

Amounts become strings with two decimals, rates (Decimal fractions) strings with six decimals,
and percentages "4.90%". Python's own format() would round half-even, so every function
quantizes half-up first.
"""

from __future__ import annotations

import datetime as dt
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


def percent_exact(rate: Decimal | None) -> str:
    """A stored rate as a percentage with the places it needs, at least two: 0.0435 → "4.35%",
    0.00025 → "0.025%"; None → ""."""
    if rate is None:
        return ""
    figure = (Decimal(rate) * 100).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
    if figure.as_tuple().exponent > -2:
        figure = figure.quantize(Decimal("0.01"))
    return f"{figure:f}%"


def _is_chinese(language: str | None) -> bool:
    return (language or "").lower().startswith("zh")


def grouped(value: Decimal, places: int = 2) -> str:
    """1234567.805 → "1,234,567.81" (half-up; both site languages group thousands with commas)."""
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,}"


def cny_text(value: Decimal | None, *, language: str | None = None, places: int = 2) -> str:
    """An amount in yuan as the page's language writes it: "¥1,234.50" on a Chinese page,
    "CNY 1,234.50" on an English one (never the code "CNY" on a Chinese page); None → ""."""
    if value is None:
        return ""
    if language is None:
        from django.utils.translation import get_language

        language = get_language()
    figure = grouped(value, places)
    if figure.startswith("-"):
        sign, figure = "-", figure[1:]
    else:
        sign = ""
    return f"{sign}¥{figure}" if _is_chinese(language) else f"{sign}CNY {figure}"


def date_text(value, *, language: str | None = None) -> str:
    """A date as the page's language writes it: "2026年12月6日" or "6 Dec 2026"; None → ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date as an offer's stored schedule keeps it
        value = dt.date.fromisoformat(value[:10])
    if language is None:
        from django.utils.translation import get_language

        language = get_language()
    if hasattr(value, "date") and callable(value.date):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    if _is_chinese(language):
        return f"{value.year}年{value.month}月{value.day}日"
    from django.utils.dates import MONTHS_3

    with _language("en"):
        month = str(MONTHS_3[value.month]).title()
    return f"{value.day} {month} {value.year}"


def _language(code: str):
    from django.utils import translation

    return translation.override(code)
