"""Money and rates, defined once: column sizes, and rounding half-up at the defined points.

- Amounts are `Decimal` with two places, stored in `money_field()` columns (18 digits: up to
  10^16 yuan) and sent through the API as strings (`money_serializer_field()`).
- Rates are `Decimal` fractions (0.049 = 4.9 %) with eight places in `rate_field()` columns.
- `quantize_money` / `quantize_rate` round half-up (ROUND_HALF_UP, as banks and the PBoC round;
  Python's default context rounds half-even). Every rounding outside the loan-math engine
  (`products.engine`, which rounds through its own half-up context) goes through them.
Never build a Decimal from a float: `to_decimal` refuses one.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MONEY_DIGITS = 18
MONEY_PLACES = 2
RATE_DIGITS = 12
RATE_PLACES = 8
# APR and effective annual rate leave the engine with six places; a usurious weekly rate compounds
# to several integer digits, hence the wide column.
APR_DIGITS = 24
APR_PLACES = 6

CENT = Decimal("0.01")
ZERO = Decimal("0")
_RATE_UNIT = Decimal(1).scaleb(-RATE_PLACES)


def to_decimal(value) -> Decimal:
    """A Decimal from a Decimal, an int or a string; a float is refused (it is already wrong)."""
    if isinstance(value, float):
        raise TypeError("money and rates are never floats; pass a Decimal or a string")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None


def quantize_money(value) -> Decimal:
    """Round an amount half-up to the cent: 0.125 → 0.13, -0.125 → -0.13."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def quantize_rate(value) -> Decimal:
    """Round a rate half-up to the eight places its columns hold."""
    return to_decimal(value).quantize(_RATE_UNIT, rounding=ROUND_HALF_UP)


def quantize_places(value, places: int) -> Decimal:
    """Round half-up to `places` decimals (ratios, probabilities, percentages for display)."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def is_cents(value: Decimal) -> bool:
    """True for a finite amount with at most two decimals (what a customer may type), however
    large: read from the exponent, never by quantizing (which fails past 28 digits)."""
    if not value.is_finite():
        return False
    _sign, digits, exponent = value.as_tuple()
    extra = -MONEY_PLACES - exponent  # digits past the cent, the last ones of `digits`
    return extra <= 0 or not any(digits[-extra:])


# The currencies an amount may be in, with their names in the page's language (a Chinese page
# says 人民币, never the code).
CURRENCIES = (("CNY", _("Chinese yuan (CNY)")),)


def money_field(verbose_name=None, **kwargs) -> models.DecimalField:
    """The column of an amount of money."""
    return models.DecimalField(verbose_name, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def rate_field(verbose_name=None, **kwargs) -> models.DecimalField:
    """The column of a rate (a Decimal fraction)."""
    return models.DecimalField(verbose_name, max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, **kwargs)


def apr_field(verbose_name=None, **kwargs) -> models.DecimalField:
    """The column of a disclosed APR or effective annual rate (a fraction, six places)."""
    return models.DecimalField(verbose_name, max_digits=APR_DIGITS, decimal_places=APR_PLACES, **kwargs)


# API fields round half-up like quantize_money (DRF's own default is the ambient half-even).
def money_serializer_field(*, max_digits: int = MONEY_DIGITS, **kwargs) -> serializers.DecimalField:
    """An amount in an API body: a string with two decimals that fits a money column (computed
    totals that may outgrow a column pass a wider `max_digits`)."""
    kwargs.setdefault("rounding", ROUND_HALF_UP)
    return serializers.DecimalField(max_digits=max_digits, decimal_places=MONEY_PLACES, **kwargs)


def rate_serializer_field(**kwargs) -> serializers.DecimalField:
    """A rate in an API body: a fraction with up to eight decimals."""
    kwargs.setdefault("rounding", ROUND_HALF_UP)
    return serializers.DecimalField(max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, **kwargs)


def apr_serializer_field(**kwargs) -> serializers.DecimalField:
    """A disclosed rate in an API answer (APR, effective or nominal annual rate): a fraction with
    six decimals, "0.049000"."""
    kwargs.setdefault("rounding", ROUND_HALF_UP)
    return serializers.DecimalField(max_digits=APR_DIGITS, decimal_places=APR_PLACES, **kwargs)


def money_form_field(**kwargs) -> forms.DecimalField:
    """An amount typed into a page's form."""
    return forms.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)
