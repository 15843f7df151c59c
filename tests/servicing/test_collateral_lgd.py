"""The per-loan LGD from the secured amount: worked examples, properties, and the SQL twin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicing import rules
from servicing.collateral import lgd

BASE, FLOOR = Decimal("0.45"), Decimal("0.10")


@pytest.mark.parametrize(
    ("secured", "ead", "expected"),
    [
        # unsecured: the base LGD
        ("0", "100000", "0.45"),
        # a flat of 100,000 with a 30 % haircut secures 70,000: (1 − 0.7) × 0.45
        ("70000", "100000", "0.135"),
        # fully (over-)secured: the floor × base
        ("250000", "100000", "0.045"),
        # nothing to lose
        ("1000", "0", "0.45"),
    ],
)
def test_lgd_worked_examples(secured, ead, expected):
    assert lgd(secured=Decimal(secured), ead=Decimal(ead), base=BASE, floor=FLOOR) == Decimal(expected)


@given(
    secured=st.decimals(min_value=0, max_value=10**9, places=2),
    ead=st.decimals(min_value=Decimal("0.01"), max_value=10**9, places=2),
)
def test_lgd_is_between_floor_and_base_and_falls_with_security(secured, ead):
    value = lgd(secured=secured, ead=ead, base=BASE, floor=FLOOR)
    assert FLOOR * BASE <= value <= BASE
    assert lgd(secured=secured + Decimal(1000), ead=ead, base=BASE, floor=FLOOR) <= value


def test_ecl_takes_the_loan_lgd():
    # stage 1: PD × LGD × EAD = 0.02 × 0.135 × 100,000 = 270.00 (the base LGD gives 900.00)
    common = {"stage": 1, "pd": Decimal("0.02"), "ead": Decimal("100000"), "remaining_days": 300}
    assert rules.ecl(**common, lgd=Decimal("0.135")) == Decimal("270.00")
    assert rules.ecl(**common) == Decimal("900.00")
