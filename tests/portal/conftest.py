"""Portal test fixtures: a small catalogue of three products of different purposes and ranges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from products import choices as c
from tests.products.factories import FeeFactory, version_in

S = c.ProductStatus


@pytest.fixture
def catalogue(db):
    """HOME (home loans, 12–60 months), CASH (general, 6–60 months, plus a fee waived for payroll
    customers), both on the factory's grid (8 % for grade C), and SHORT (general, 3–12 months,
    10 000–50 000, 10 % for every grade)."""
    home = version_in(
        S.ACTIVE,
        product__code="HOME",
        name_zh="安居房贷",
        name_en="Home Loan",
        category="consumer_home",
        term_min=12,
    )
    cash = version_in(S.ACTIVE, product__code="CASH", name_zh="随心贷", name_en="Flexi Loan")
    FeeFactory(
        version=cash,
        code="arrangement",
        name_zh="账户管理费",
        name_en="Arrangement fee",
        waived_for_segments=["payroll"],
    )
    rates = dict.fromkeys("ABCDE", "0.1000")
    short = version_in(
        S.ACTIVE,
        product__code="SHORT",
        name_zh="短期周转贷",
        name_en="Short Loan",
        term_min=3,
        term_max=12,
        amount_min=Decimal("10000.00"),
        amount_max=Decimal("50000.00"),
        representative_amount=Decimal("20000.00"),
        representative_term=6,
        grid=[(grade, 3, 12, rate) for grade, rate in rates.items()],
    )
    return {"HOME": home, "CASH": cash, "SHORT": short}
