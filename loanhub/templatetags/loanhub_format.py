"""Display filters for figures stored as Decimal strings (offers and disclosures as shown)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from loanhub.formatting import cny_text, date_text, money_text, percent_text, rate_text

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def percent(value, places: int = 2) -> str:
    """A rate fraction as a percentage: "0.0490" → "4.90%"."""
    number = _decimal(value)
    if number is None:
        return ""
    return percent_text(number, int(places))


@register.filter
def money(value) -> str:
    """An amount with thousands separators and two decimals: "1234567.8" → "1,234,567.80"."""
    number = _decimal(value)
    return "" if number is None else f"{Decimal(money_text(number)):,}"


@register.filter
def cny(value, places: int = 2) -> str:
    """An amount in the page's language: "¥1,234.50" (zh-hans) or "CNY 1,234.50" (en);
    `|cny:0` for whole yuan (product limits)."""
    number = _decimal(value)
    return "" if number is None else cny_text(number, places=int(places))


@register.filter
def amount_in(value, currency: str = "CNY") -> str:
    """An amount of `currency`: yuan as `|cny` writes them ("¥1,234.50" in Chinese, no "CNY"),
    another currency as grouped digits and its code."""
    number = _decimal(value)
    if number is None:
        return ""
    return cny_text(number) if currency in ("", "CNY") else f"{money_text(number)} {currency}"


@register.filter
def currency_name(code: str) -> str:
    """A currency in words where the page has them: CNY → "yuan" / "元"; others by their code."""
    from django.utils.translation import gettext

    return gettext("yuan") if code in ("", "CNY") else code


@register.filter
def local_date(value) -> str:
    """A date in the page's language: "2026年12月6日" (zh-hans) or "6 Dec 2026" (en)."""
    return date_text(value)


@register.filter
def rate(value, places: int = 6) -> str:
    """A rate fraction as the API gives it, half-up: "0.0923125" → "0.092313"."""
    number = _decimal(value)
    return "" if number is None else rate_text(number, int(places))


@register.filter
def money_plain(value) -> str:
    """An amount as the API gives it (two decimals, no grouping): for data attributes."""
    number = _decimal(value)
    return "" if number is None else money_text(number)


@register.filter
def event_reason(event) -> str:
    """An event's reason in the page's language (loanhub.reasons); a typed reason as written."""
    from loanhub.reasons import reason_html

    return reason_html(event)
