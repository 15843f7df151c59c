"""Money rounds half-up at the cent, rates at eight places, and never comes from a float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanhub import money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.125", "0.13"),  # half-even would give 0.12
        ("0.135", "0.14"),
        ("-0.125", "-0.13"),  # half away from zero on both sides
        ("2.675", "2.68"),
        ("1", "1.00"),
        (7, "7.00"),
    ],
)
def test_quantize_money_rounds_half_up(value, expected):
    assert money.quantize_money(value) == Decimal(expected)
    assert str(money.quantize_money(value)) == expected


def test_quantize_rate_keeps_eight_places_half_up():
    assert money.quantize_rate("0.049000005") == Decimal("0.04900001")
    assert money.quantize_rate(Decimal("0.0489999949")) == Decimal("0.04899999")


def test_a_float_is_refused():
    with pytest.raises(TypeError, match="never floats"):
        money.quantize_money(0.1)


def test_garbage_is_a_value_error():
    with pytest.raises(ValueError, match="not a number"):
        money.to_decimal("12,5")


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=0, max_value=999))
def test_quantize_money_moves_at_most_half_a_cent_and_ties_go_away_from_zero(cents, mills):
    # value = cents/100 + mills/100000 (three more places), built from integers: exact.
    value = Decimal(cents) / 100 + Decimal(mills) / 100000
    rounded = money.quantize_money(value)
    assert rounded == rounded.quantize(money.CENT)
    assert abs(rounded - value) <= Decimal("0.005")
    if abs(rounded - value) == Decimal("0.005"):
        assert abs(rounded) > abs(value)


def test_is_cents():
    assert money.is_cents(Decimal("10.50"))
    assert money.is_cents(Decimal("10.500"))
    assert not money.is_cents(Decimal("10.505"))
    assert not money.is_cents(Decimal("NaN"))
    assert not money.is_cents(Decimal("Infinity"))
    # Past 28 digits quantizing fails (InvalidOperation): the answer comes from the digits.
    assert money.is_cents(Decimal("1e30"))
    assert money.is_cents(Decimal("123456789012345678901234567890.12"))
    assert not money.is_cents(Decimal("123456789012345678901234567890.123"))


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20, places=None))
def test_is_cents_agrees_with_quantizing_where_quantizing_works(value):
    assert money.is_cents(value) == (value == value.quantize(Decimal("0.01")))


def test_columns_hold_the_defined_sizes():
    amount = money.money_field("amount")
    rate = money.rate_field("rate")
    assert (amount.max_digits, amount.decimal_places) == (18, 2)
    assert (rate.max_digits, rate.decimal_places) == (12, 8)


def test_api_fields_round_half_up_like_quantize_money():
    # DRF's DecimalField would round half-even: 0.125 → "0.12".
    assert money.money_serializer_field().to_representation(Decimal("0.125")) == "0.13"
    assert money.money_serializer_field(max_digits=30).to_representation(Decimal("2.675")) == "2.68"
    assert money.apr_serializer_field().to_representation(Decimal("0.0490005")) == "0.049001"
    assert money.rate_serializer_field().to_representation(Decimal("0.000000125")) == "0.00000013"
