"""Identity number, unified social credit code and mobile number validation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from customers import validators
from customers.validators import IdentifierError
from tests.customers.factories import (
    GB_EXAMPLE_RIC,
    STDNUM_EXAMPLE_RIC,
    STDNUM_EXAMPLE_USCC,
    make_ric,
    ric_check_character,
)

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("raw", "number", "birth"),
    [
        # GB 11643-1999 appendix example: Beijing Chaoyang, born 1949-12-31, check character X.
        (GB_EXAMPLE_RIC, "11010519491231002X", dt.date(1949, 12, 31)),
        # lower-case x and spaces, as people type them
        ("110105 19491231 002x", "11010519491231002X", dt.date(1949, 12, 31)),
        # python-stdnum stdnum.cn.ric doctest
        (STDNUM_EXAMPLE_RIC, "360426199101010071", dt.date(1991, 1, 1)),
    ],
)
def test_valid_identity_numbers_are_normalised_with_their_date_of_birth(raw, number, birth):
    assert validators.validate_id_number(raw, today=TODAY) == (number, birth)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter the resident identity number."),
        ("11010519491231002", "17 digits and a final digit or X"),  # 17 characters
        ("1101051949123100XX", "17 digits and a final digit or X"),
        ("110105194912310021", "check digit is wrong"),  # GB example with the wrong check digit
        ("110105194912310020", "check digit is wrong"),
        ("11010519491231003X", "check digit is wrong"),  # one digit of the body changed
        (make_ric(birth="19490231"), "not a valid date"),  # 31 February, correct check digit
        (make_ric(birth="19491301"), "not a valid date"),  # month 13
        (make_ric(region="000000"), "region code is not valid"),  # no such administrative division
    ],
)
def test_invalid_identity_numbers_are_refused_with_a_reason(raw, message, english):
    with pytest.raises(IdentifierError, match=message):
        validators.validate_id_number(raw, today=TODAY)


def test_identity_numbers_of_minors_and_future_births_are_refused(english):
    adult_today = make_ric(birth="20081130")  # 18 on TODAY
    assert validators.validate_id_number(adult_today, today=TODAY)[1] == dt.date(2008, 11, 30)
    with pytest.raises(IdentifierError, match="at least 18"):
        validators.validate_id_number(make_ric(birth="20081201"), today=TODAY)
    with pytest.raises(IdentifierError, match="in the future"):
        validators.validate_id_number(make_ric(birth="20270101"), today=TODAY)


def test_error_messages_never_repeat_the_number(english):
    with pytest.raises(IdentifierError) as info:
        validators.validate_id_number("110105194912310021", today=TODAY)
    assert "110105194912310021" not in str(info.value)


@given(st.from_regex(r"\A[0-9]{17}\Z"))
def test_our_check_character_agrees_with_python_stdnum(body):
    # Two independent implementations of ISO 7064 MOD 11-2 (ours in factories, stdnum's) agree.
    assert ric.calc_check_digit(body + "0") == ric_check_character(body)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (STDNUM_EXAMPLE_USCC, "91110000600037341L"),
        ("9 1 110000 600037341l", "91110000600037341L"),
    ],
)
def test_valid_unified_social_credit_codes(raw, code):
    assert validators.validate_uscc(raw) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter the unified social credit code."),
        ("91110000600037341M", "check character is wrong"),  # stdnum example, wrong check character
        ("91110000600037342L", "check character is wrong"),
        ("A1110000600037341L", "18 digits and capital letters"),  # stdnum: invalid format
        ("9111000060003734IL", "18 digits and capital letters"),  # I is not used
        ("12345", "18 digits and capital letters"),
    ],
)
def test_invalid_unified_social_credit_codes(raw, message, english):
    with pytest.raises(IdentifierError, match=message):
        validators.validate_uscc(raw)


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008619912345678", "19912345678"),
        ("16612345678", "16612345678"),
    ],
)
def test_valid_mainland_mobile_numbers(raw, phone):
    assert validators.validate_phone(raw) == phone


@pytest.mark.parametrize(
    "raw",
    [
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "010-12345678",
        "1381234567a",
        "+1 415 555 0100",
    ],
)
def test_invalid_mobile_numbers(raw, english):
    with pytest.raises(IdentifierError, match="mainland China mobile number"):
        validators.validate_phone(raw)


def test_empty_mobile_number(english):
    with pytest.raises(IdentifierError, match="Enter a mobile phone number"):
        validators.validate_phone("  ")
