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


def _secured_loan():
    from loanhub import clock
    from servicing.collateral import loan_collateral_record
    from tests.servicing.factories import open_loan

    loan = open_loan()
    loan_collateral_record(
        loan=loan,
        items=[
            # 40,000 × 0.7 + 10,000 × 0.6 = 34,000 secured
            {
                "origin_ref": "A:C1",
                "collateral_type": "real_estate",
                "value": Decimal("40000"),
                "valuation_date": clock.today(),
            },
            {
                "origin_ref": "A:C2",
                "collateral_type": "vehicle",
                "value": Decimal("10000"),
                "valuation_date": clock.today(),
            },
        ],
    )
    return loan


@pytest.mark.django_db
def test_haircut_table_edits_change_the_secured_amount():
    from risk.collateral import CollateralHaircut
    from servicing.collateral import loan_lgd, loan_secured_amount

    loan = _secured_loan()
    assert loan_secured_amount(loan_id=loan.pk) == Decimal("34000.00")
    # EAD 50,000: max(0.10, 1 − 0.68) × 0.45 = 0.144
    assert loan_lgd(loan_id=loan.pk, ead=Decimal("50000")) == Decimal("0.144")
    CollateralHaircut.objects.filter(collateral_type="real_estate").update(haircut=Decimal("0.5"))
    assert loan_secured_amount(loan_id=loan.pk) == Decimal("26000.00")


@pytest.mark.services("postgres")
@pytest.mark.django_db
def test_the_sql_lgd_of_the_set_based_close_matches_the_python_one():
    from django.db import connection

    from servicing.collateral import ecl_lgd_sql, loan_lgd

    secured = _secured_loan()
    from tests.servicing.factories import open_loan

    unsecured = open_loan()
    for ead in ("50000", "30000", "0", "100000.55"):
        expression = ecl_lgd_sql(loan_id="l.id", ead=f"{ead}::numeric")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {expression} FROM servicing_loan l WHERE l.id = %s", [secured.pk])
            (value,) = cursor.fetchone()
            cursor.execute(f"SELECT {expression} FROM servicing_loan l WHERE l.id = %s", [unsecured.pk])
            (base,) = cursor.fetchone()
        assert value == loan_lgd(loan_id=secured.pk, ead=Decimal(ead)), ead
        assert base == Decimal("0.45")


@pytest.mark.services("postgres")
@pytest.mark.django_db
def test_close_of_business_provisions_a_secured_loan_with_its_own_lgd():
    """Set-based close gives a secured loan the ECL of its LGD (below the unsecured twin's), and
    equal to what the per-loan replay gives."""
    import datetime as dt

    from loanhub import clock, roles
    from servicing import cob
    from servicing.collateral import loan_collateral_record
    from servicing.models import Loan
    from tests.products.factories import UserFactory
    from tests.servicing.cob_helpers import _check_against_replay, check_ledger
    from tests.servicing.factories import ApplicationFactory, active_version, open_loan

    officer = UserFactory(username="lgd-officer", role=roles.LOAN_OFFICER)
    start = clock.today() - dt.timedelta(days=50)
    version = active_version()
    secured, plain = (
        open_loan(ApplicationFactory(product_version=version), actor=officer, disbursed_on=start)
        for _ in range(2)
    )
    loan_collateral_record(
        loan=secured,
        items=[
            {
                "origin_ref": "A:C1",
                "collateral_type": "real_estate",
                "value": secured.principal,
                "valuation_date": start,
            }
        ],
    )
    Loan.objects.filter(pk__in=[secured.pk, plain.pk]).update(pd=Decimal("0.04"))
    first = start + dt.timedelta(days=40)
    cob.close_through(first, start=first)
    cob.close_through(first + dt.timedelta(days=3))
    secured, plain = Loan.objects.get(pk=secured.pk), Loan.objects.get(pk=plain.pk)
    assert secured.quiet_until is None  # a secured loan is rewritten every day
    assert Decimal(0) < secured.ecl < plain.ecl
    _check_against_replay([(secured, ""), (plain, "")])
    check_ledger()
