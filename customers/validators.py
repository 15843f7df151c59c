"""Validation and normalisation of Chinese identifiers: resident identity number (RIC), unified
social credit code (USCC) and mainland mobile numbers.

The checksums are python-stdnum's: `stdnum.cn.ric` (GB 11643-1999, ISO 7064 MOD 11-2, with the
birth date and the region code checked) and `stdnum.cn.uscc` (GB 32100-2015, MOD 31).
Each function returns the normalised value or raises `IdentifierError` with a message for
the customer; messages never repeat the value.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from loanhub import clock

MIN_AGE = 18  # full civil capacity (PRC Civil Code art. 17), needed to sign a loan contract
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class IdentifierError(ValueError):
    """The value is not a valid identifier; str(error) is a message for the customer."""


def normalise_id_number(value: str) -> str:
    return "".join(str(value or "").split()).upper()


def validate_id_number(value: str, *, today: dt.date | None = None) -> tuple[str, dt.date]:
    """The normalised RIC and the date of birth it encodes; the holder must be an adult."""
    number = normalise_id_number(value)
    if not number:
        raise IdentifierError(_("Enter the resident identity number."))
    if len(number) != 18 or not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdentifierError(_("A resident identity number has 17 digits and a final digit or X."))
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise IdentifierError(_("The date of birth in the identity number is not a valid date.")) from None
    today = today or clock.today()
    if birth > today:
        raise IdentifierError(_("The date of birth in the identity number is in the future."))
    try:
        ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise IdentifierError(_("The identity number's check digit is wrong; please check it.")) from None
    except stdnum_errors.InvalidComponent:
        raise IdentifierError(_("The identity number's region code is not valid.")) from None
    except stdnum_errors.ValidationError:
        raise IdentifierError(_("This is not a valid resident identity number.")) from None
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age < MIN_AGE:
        raise IdentifierError(_("Customers must be at least %(age)s years old.") % {"age": MIN_AGE})
    return number, birth


def validate_uscc(value: str) -> str:
    """The normalised unified social credit code."""
    code = normalise_id_number(value)
    if not code:
        raise IdentifierError(_("Enter the unified social credit code."))
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidChecksum:
        raise IdentifierError(_("The credit code's check character is wrong; please check it.")) from None
    except stdnum_errors.ValidationError:
        raise IdentifierError(
            _("A unified social credit code has 18 digits and capital letters (no I, O, S, V or Z).")
        ) from None


def normalise_phone(value: str) -> str:
    """Digits only, without a +86 / 0086 country code."""
    text = str(value or "").strip()
    digits = re.sub(r"[\s\-()]", "", text)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    return digits


def validate_phone(value: str) -> str:
    """A mainland mobile number: 11 digits starting 13–19."""
    phone = normalise_phone(value)
    if not phone:
        raise IdentifierError(_("Enter a mobile phone number."))
    if not MOBILE_RE.fullmatch(phone):
        raise IdentifierError(_("Enter a mainland China mobile number: 11 digits starting with 13–19."))
    return phone
