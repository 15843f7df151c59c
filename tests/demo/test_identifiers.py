"""Every demo identity number and mobile number passes the project's own validators."""

from __future__ import annotations

import pytest

from customers import validators
from demo.applications import DEMO_CUSTOMERS
from demo.customers import demo_id_number, demo_phone
from demo.risk import DEMO_CREDIT_FILES

CUSTOMERS = [
    (index, username, born) for index, (username, _name, born, *_rest) in enumerate(DEMO_CUSTOMERS, start=1)
]


@pytest.mark.parametrize(("index", "username", "born"), CUSTOMERS)
def test_demo_customers_identity_and_mobile_numbers_pass_the_validators(index, username, born):
    number = demo_id_number(index, born)

    assert validators.validate_id_number(number) == (number, born), username
    assert validators.validate_phone(demo_phone(index)) == demo_phone(index), username


def test_demo_customers_identity_and_mobile_numbers_are_distinct():
    assert len({demo_id_number(index, born) for index, _, born in CUSTOMERS}) == len(CUSTOMERS)
    assert len({demo_phone(index) for index, _, _ in CUSTOMERS}) == len(CUSTOMERS)


@pytest.mark.parametrize("id_number", [row[0] for row in DEMO_CREDIT_FILES])
def test_demo_credit_files_identity_numbers_pass_the_validators(id_number):
    assert validators.validate_id_number(id_number)[0] == id_number
