"""Parsing of submitted profile fields: each parser returns the clean value or records a
field-level error (in the request's language) and returns a neutral value, so that every error of
a submission is reported at once. Used by `customers.services` only."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.money import CENT, MONEY_DIGITS, MONEY_PLACES, is_cents, quantize_money
from loanhub.text import text_error

# The largest amount a money column (loanhub.money.money_field) holds.
MONEY_MAX = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES) - CENT
MONEY_LIMITS = {  # field: largest value its column holds
    "monthly_income": MONEY_MAX,
    "monthly_debt": MONEY_MAX,
    "annual_revenue": MONEY_MAX,
}
MAX_YEARS = 80
FIRST_GRADUATION_YEAR = 1950
GRADUATION_YEARS_AHEAD = 6  # a first-year student's expected graduation


def parse_text(data: Mapping, name: str, max_length: int, errors: dict, *, required: bool) -> str:
    """One line of text of at most `max_length` characters, without control characters
    (`loanhub.text`, the rule every form and serializer applies too)."""
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[name] = [_("This field is required.")]
    elif message := text_error(value, max_length=max_length):
        errors[name] = [message]
    return value


def parse_choice(data: Mapping, name: str, choices, errors: dict) -> str:
    value = str(data.get(name) or "").strip()
    if not value:
        errors[name] = [_("This field is required.")]
    elif value not in choices.values:
        errors[name] = [_("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}]
    return value


def parse_money(data: Mapping, name: str, errors: dict, *, required: bool) -> Decimal | None:
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[name] = [_("This field is required.")]
        return None
    if isinstance(raw, float | bool):  # floats are not money; build decimals from strings
        raw = str(raw) if isinstance(raw, float) else "x"
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        errors[name] = [_("Enter an amount, e.g. 8000.00.")]
        return None
    if not value.is_finite():
        errors[name] = [_("Enter an amount, e.g. 8000.00.")]
    elif value < 0:
        errors[name] = [_("The amount cannot be negative.")]
    elif not is_cents(value):
        errors[name] = [_("At most 2 decimal places.")]
    elif value > MONEY_LIMITS[name]:
        errors[name] = [_("The amount is too large.")]
    else:
        return quantize_money(value)
    return None


def parse_years(data: Mapping, errors: dict) -> int:
    raw = data.get("years_employed")
    if raw is None or raw == "":
        return 0
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors["years_employed"] = [_("Enter a whole number of years.")]
        return 0
    if not 0 <= value <= MAX_YEARS:
        errors["years_employed"] = [_("Enter a number of years between 0 and %(n)s.") % {"n": MAX_YEARS}]
    return value


def parse_graduation_year(data: Mapping, errors: dict) -> int | None:
    """A year between 1950 and six years ahead (a student's expected year), or None."""
    raw = data.get("graduation_year")
    if raw is None or str(raw).strip() == "":
        return None
    last = clock.today().year + GRADUATION_YEARS_AHEAD
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not FIRST_GRADUATION_YEAR <= value <= last:
        errors["graduation_year"] = [
            _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_GRADUATION_YEAR, "last": last}
        ]
        return None
    return value
