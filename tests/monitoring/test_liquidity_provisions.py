"""The maturity ladder and LPR sensitivity from pinned schedules, and provisions by class and
stage, each against figures computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock
from monitoring import liquidity, selectors, services
from products.models import ProductVersion
from servicing.models import LoanInstallment, LoanSnapshot
from tests.monitoring.conftest import snap
from tests.products.factories import ProductFactory
from tests.servicing.factories import active_version

pytestmark = pytest.mark.django_db
D = Decimal


def _schedule(loan, rows):
    """Replace the loan's schedule with rows (due date, principal, interest, paid principal)."""
    LoanInstallment.objects.filter(loan=loan).delete()
    for number, (due, principal, interest, paid) in enumerate(rows, start=1):
        LoanInstallment.objects.create(
            loan=loan,
            number=number,
            due_date=due,
            payment=D(principal) + D(interest),
            principal=D(principal),
            interest=D(interest),
            fees=D("0.00"),
            balance=D("0.00"),
            paid_principal=D(paid),
        )


@pytest.fixture
def ladder_book(make_loan):
    """A fixed loan at 6 % and a floating one at 4 %, with schedules written by hand."""
    day = clock.today()
    fixed = make_loan()
    floating = make_loan()
    ProductVersion.objects.filter(pk=fixed.product_version_id).update(rate_type="fixed")
    # the floating loan gets its own floating version
    other = active_version(product=ProductFactory(code="FLOAT-TEST"))
    ProductVersion.objects.filter(pk=other.pk).update(rate_type="floating")
    type(floating).objects.filter(pk=floating.pk).update(product_version=other, annual_rate=D("0.04"))
    type(fixed).objects.filter(pk=fixed.pk).update(annual_rate=D("0.06"))
    _schedule(
        fixed,
        [
            (day - relativedelta(days=5), "100.00", "6.00", "40.00"),  # overdue: 60 + 6
            (day + relativedelta(days=10), "100.00", "5.00", "0.00"),  # 0-1m
            (day + relativedelta(months=2), "100.00", "4.00", "0.00"),  # 1-3m
            (day + relativedelta(years=2), "700.00", "3.00", "0.00"),  # 1-5y
        ],
    )
    _schedule(
        floating,
        [
            (day + relativedelta(months=1), "500.00", "20.00", "0.00"),  # 0-1m (on the edge)
            (day + relativedelta(months=6), "500.00", "10.00", "0.00"),  # 3-12m
            (day + relativedelta(years=6), "1000.00", "2.00", "0.00"),  # 5y+
        ],
    )
    snap(fixed, day)
    snap(floating, day)
    services.run_monitoring(day)
    return day


def test_maturity_ladder_by_hand(ladder_book):
    ladder = {row["bucket"]: row for row in liquidity.ladder(ladder_book)["buckets"]}
    assert list(ladder) == list(liquidity.LADDER)
    assert ladder["overdue"]["fixed"] == {"principal": D("60.00"), "interest": D("6.00"), "total": D("66.00")}
    assert ladder["0-1m"]["fixed"]["total"] == D("105.00")
    assert ladder["0-1m"]["floating"]["total"] == D("520.00")
    assert ladder["0-1m"]["total"] == D("625.00")
    assert ladder["1-3m"]["total"] == D("104.00")
    assert ladder["3-12m"]["floating"]["total"] == D("510.00")
    assert ladder["1-5y"]["fixed"]["principal"] == D("700.00")
    assert ladder["5y+"]["floating"]["total"] == D("1002.00")
    total = sum(row["total"] for row in ladder.values())
    assert total == D("66.00") + D("105.00") + D("104.00") + D("703.00") + D("520.00") + D("510.00") + D(
        "1002.00"
    )


def test_rate_sensitivity_by_hand(ladder_book):
    """Floating interest due in 12 months: 20 + 10 = 30 at 4 % → 750 per unit of rate; +25 bp →
    750 × 0.0025 = 1.875 → 1.88 (half-up); −100 bp → −7.50. Fixed interest (5 + 4) does not move."""
    figures = liquidity.sensitivity(ladder_book)
    assert figures["interest_12m"] == {"fixed": D("9.00"), "floating": D("30.00")}
    shocks = {s["bp"]: s["floating_change"] for s in figures["shocks"]}
    assert shocks == {
        -100: D("-7.50"),
        -50: D("-3.75"),
        -25: D("-1.88"),
        25: D("1.88"),
        50: D("3.75"),
        100: D("7.50"),
    }
    assert all(s["fixed_change"] == 0 for s in figures["shocks"])


def test_ladder_rerun_writes_once(ladder_book):
    first = services.run_monitoring(ladder_book)["liquidity_rows"]
    assert services.run_monitoring(ladder_book)["liquidity_rows"] == first
    assert liquidity.LiquidityBucket.objects.filter(as_of=ladder_book).count() == first


def test_provisions_by_class_and_stage(make_loan, settings):
    """Pass stage 1: 10,000 reserve 100; special mention stage 2: 2,000 reserve 100; substandard
    stage 3: 1,000 reserve 250; loss stage 3: 500 reserve 500. NPL 1,500, reserve 950:
    coverage 950/1,500 = 0.6333 (< 1.50), loan provision ratio 950/13,500 = 0.0704 (≥ 0.025)."""
    day = clock.today()
    for bucket, principal, provision, klass, stage in (
        ("current", "10000.00", "100.00", "pass", 1),
        ("1-30", "2000.00", "100.00", "special_mention", 2),
        ("61-90", "1000.00", "250.00", "substandard", 3),
        ("180+", "500.00", "500.00", "loss", 3),
    ):
        row = snap(make_loan(), day, bucket, principal=principal, provision=provision, klass=klass)
        LoanSnapshot.objects.filter(pk=row.pk).update(ifrs9_stage=stage)
    services.run_monitoring(day)
    figures = selectors.provisions_on(day)
    by_class = {c["classification"]: c for c in figures["classes"]}
    assert by_class["special_mention"]["stages"][2] == {
        "loans": 1,
        "balance": D("2000.00"),
        "reserve": D("100.00"),
    }
    assert by_class["special_mention"]["stages"][1]["balance"] == D("0.00")
    assert by_class["substandard"]["reserve_ratio"] == D("0.2500")
    assert by_class["doubtful"]["reserve_ratio"] is None
    assert (figures["non_performing"], figures["reserve"]) == (D("1500.00"), D("950.00"))
    assert figures["provision_coverage_ratio"] == D("0.6333")
    assert figures["loan_provision_ratio"] == D("0.0704")
    assert (figures["coverage_ok"], figures["loan_provision_ok"]) == (False, True)
    settings.LOANHUB_MIN_LOAN_PROVISION_RATIO = D("0.08")
    assert selectors.provisions_on(day)["loan_provision_ok"] is False
