"""Input coercion shared by the engine's entry points.

Each helper checks one value, records a message under the request field name on failure and returns
None, so an entry point can report every bad field at once (see `ErrorCollector`). Floats are refused
for amounts and rates: a binary float has already lost precision the contract promises.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from .errors import ErrorCollector, gettext_noop

E = TypeVar("E", bound=StrEnum)

__all__ = ["parse_choice", "parse_date", "parse_decimal", "parse_int"]


def parse_decimal(
    value: object,
    field: str,
    errors: ErrorCollector,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    min_exclusive: bool = False,
    max_places: int | None = None,
) -> Decimal | None:
    """A finite Decimal from a Decimal, int or numeric string, within the given bounds."""
    if isinstance(value, bool) or isinstance(value, float):
        errors.add(field, gettext_noop("must be a decimal string or Decimal, not a float or bool"))
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            errors.add(field, gettext_noop("{value} is not a number"), value=repr(value))
            return None
    else:
        errors.add(field, gettext_noop("must be a number, not {kind}"), kind=type(value).__name__)
        return None
    if not number.is_finite():
        errors.add(field, gettext_noop("must be a finite number (NaN and Infinity are refused)"))
        return None
    if minimum is not None and (number <= minimum if min_exclusive else number < minimum):
        if min_exclusive:
            errors.add(field, gettext_noop("must be greater than {minimum}"), minimum=minimum)
        else:
            errors.add(field, gettext_noop("must be at least {minimum}"), minimum=minimum)
        return None
    if maximum is not None and number > maximum:
        errors.add(field, gettext_noop("must be at most {maximum}"), maximum=maximum)
        return None
    if max_places is not None and _decimal_places(number) > max_places:
        errors.add(field, gettext_noop("must have at most {places} decimal places"), places=max_places)
        return None
    return number


def _decimal_places(number: Decimal) -> int:
    """Significant decimal places, ignoring trailing zeros ("1.2300" has 2), without any rounding."""
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):  # NaN/Infinity are refused before this point
        return 0
    places = -exponent
    index = len(digits) - 1
    while places > 0 and index >= 0 and digits[index] == 0:
        places -= 1
        index -= 1
    return max(places, 0)


def parse_int(value: object, field: str, errors: ErrorCollector, *, minimum: int, maximum: int) -> int | None:
    """An int (bools and floats refused) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, gettext_noop("must be a whole number, not {kind}"), kind=type(value).__name__)
        return None
    if not minimum <= value <= maximum:
        errors.add(
            field, gettext_noop("must be between {minimum} and {maximum}"), minimum=minimum, maximum=maximum
        )
        return None
    return value


def parse_date(value: object, field: str, errors: ErrorCollector) -> date | None:
    """A calendar date; a datetime is refused because a due date has no time of day or time zone."""
    if isinstance(value, datetime) or not isinstance(value, date):
        errors.add(field, gettext_noop("must be a date (YYYY-MM-DD), not a datetime or text"))
        return None
    return value


def parse_choice(value: object, enum: type[E], field: str, errors: ErrorCollector) -> E | None:
    """A member of a StrEnum from the member or its string value."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum)
    errors.add(
        field,
        gettext_noop("unknown {field} {value}; expected one of: {allowed}"),
        field=field,
        value=repr(value),
        allowed=allowed,
    )
    return None
