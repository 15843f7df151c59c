"""The compliance check: structural rules and the legal APR cap, enforced at activation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from products import choices as c
from products import services
from products.compliance import compliance_check
from products.models import ProductEvent
from tests.products.factories import (
    TODAY,
    FeeFactory,
    PromotionFactory,
    role_users,
    version_in,
)

pytestmark = pytest.mark.django_db
S = c.ProductStatus


@pytest.fixture
def users():
    return role_users()


def test_compliant_version_passes_and_counts_every_combination():
    version = version_in(
        S.IN_REVIEW, repayment_methods=["annuity", "equal_principal"], frequencies=["monthly"]
    )
    report = compliance_check(version, on_date=TODAY)
    assert report.ok, report.errors()
    # 2 methods × 1 frequency × 2 terms (6, 60) × 2 amounts (min, max)
    assert report.combinations_checked == 8
    assert report.worst_apr is not None
    assert report.worst_apr < Decimal("0.24")


def test_activation_is_refused_listing_each_combination_above_the_cap(users):
    # Given grade E at 22 % and a 3 % upfront fee: the short terms break the 24 % cap,
    # the 60-month terms do not.
    version = version_in(
        S.IN_REVIEW,
        maker=users["pm"],
        grid=[(g, 6, 60, r) for g, r in zip("ABCDE", ["0.05", "0.08", "0.12", "0.18", "0.22"], strict=True)],
    )
    FeeFactory(
        version=version, code="arrangement", fee_type="upfront_percent", amount=None, rate=Decimal("0.03")
    )
    FeeFactory(version=version, code="optional", amount=Decimal("5000.00"), mandatory=False)

    with pytest.raises(services.ProductComplianceError) as refused:
        services.product_approve(version=version, actor=users["pm2"], on_date=TODAY)

    violations = [v for v in refused.value.report.violations if v.field == "apr"]
    combos = {(v.combination["method"], v.combination["term"], v.combination["amount"]) for v in violations}
    # Each violating combination is listed: both methods, the 6-month term, both amounts.
    assert combos == {
        ("annuity", 6, "10000.00"),
        ("annuity", 6, "500000.00"),
        ("equal_principal", 6, "10000.00"),
        ("equal_principal", 6, "500000.00"),
    }
    assert all(v.combination["risk_grade"] == "E" for v in violations)
    assert all(Decimal(v.combination["apr"]) > Decimal("0.24") for v in violations)
    assert all("exceeds the cap of 24.00%" in v.message for v in violations)
    assert len(refused.value.errors["apr"]) == 4
    # And nothing changed
    version.refresh_from_db()
    assert version.status == S.IN_REVIEW
    assert version.approved_by is None
    assert not ProductEvent.objects.filter(version=version).exists()


def test_cap_comes_from_settings(settings, users):
    settings.LOANHUB_APR_CAP = Decimal("0.10")
    version = version_in(S.IN_REVIEW, maker=users["pm"])
    with pytest.raises(services.ProductComplianceError):
        services.product_approve(version=version, actor=users["senior"], on_date=TODAY)
    settings.LOANHUB_APR_CAP = Decimal("0.24")
    services.product_approve(version=version, actor=users["senior"], on_date=TODAY)
    assert version.status == S.ACTIVE


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"amount_min": Decimal("600000.00")}, "amount_min", "greater than amount_max"),
        ({"term_min": 72}, "term_min", "greater than term_max"),
        ({"age_min": 70}, "age_min", "greater than age_max"),
        ({"available_until": dt.date(2025, 12, 31)}, "available_from", "greater than available_until"),
        ({"default_method": "bullet"}, "default_method", "not an allowed method"),
        (
            {"frequencies": ["annual"], "default_frequency": "annual", "term_max": 11},
            "frequencies",
            "no whole term",
        ),
    ],
)
def test_min_above_max_and_inconsistent_terms_are_refused(overrides, field, fragment):
    version = version_in(S.IN_REVIEW, **overrides)
    report = compliance_check(version, on_date=TODAY)
    assert not report.ok
    assert any(fragment in message for message in report.errors()[field]), report.errors()


def test_grid_with_a_missing_grade_a_gap_or_an_overlap_is_refused():
    version = version_in(
        S.IN_REVIEW,
        grid=[
            ("A", 6, 60, "0.05"),
            ("B", 6, 60, "0.06"),
            ("C", 6, 30, "0.07"),
            ("C", 37, 60, "0.07"),  # gap 31-36
            ("D", 6, 40, "0.08"),
            ("D", 30, 60, "0.09"),  # overlap 30-40
        ],
    )
    messages = compliance_check(version, on_date=TODAY).errors()["pricing_grid"]
    assert "the pricing grid has no row for grade E" in messages
    assert "grade C: no price for terms 31-36 months" in messages
    assert "grade D: term bands overlap at 30-40 months" in messages


def test_promotion_outside_the_product_dates_is_refused():
    version = version_in(S.IN_REVIEW, available_until=dt.date(2026, 12, 31))
    PromotionFactory(
        version=version, code="early", starts_on=dt.date(2025, 12, 1), ends_on=dt.date(2026, 2, 1)
    )
    PromotionFactory(
        version=version, code="inside", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 4, 1)
    )
    messages = compliance_check(version, on_date=TODAY).errors()["promotions"]
    assert len(messages) == 1
    assert messages[0].startswith("promotion early (2025-12-01–2026-02-01) lies outside the product's dates")


def test_floating_product_needs_a_published_benchmark():
    version = version_in(
        S.IN_REVIEW,
        rate_type=c.RateType.FLOATING,
        benchmark=c.Benchmark.LPR_5Y,
        grid=[(g, 6, 60, 50) for g in "ABCDE"],
    )
    assert compliance_check(version, on_date=dt.date(2019, 1, 1)).errors()["benchmark"] == [
        "no 5-year Loan Prime Rate published on or before 2019-01-01"
    ]
    assert compliance_check(version, on_date=TODAY).ok


def test_resume_runs_the_check_again(users, settings):
    version = version_in(S.SUSPENDED, maker=users["pm"])
    settings.LOANHUB_APR_CAP = Decimal("0.05")
    with pytest.raises(services.ProductComplianceError):
        services.product_resume(version=version, actor=users["pm2"], on_date=TODAY)
    version.refresh_from_db()
    assert version.status == S.SUSPENDED


def test_lpr_history_is_loaded_from_the_published_data():
    from products.pricing import benchmark_rate_on

    # Source: products/data/lpr_history.csv — first LPR under the 2019 reform: 4.25 % / 4.85 %.
    assert benchmark_rate_on(benchmark="lpr_1y", on_date=dt.date(2019, 8, 20)).rate == Decimal("0.0425")
    assert benchmark_rate_on(benchmark="lpr_5y", on_date=dt.date(2019, 8, 31)).rate == Decimal("0.0485")
    assert benchmark_rate_on(benchmark="lpr_5y", on_date=dt.date(2019, 8, 19)) is None


def test_a_fee_waiver_needs_a_fee_to_waive():
    version = version_in(S.IN_REVIEW)
    inside = {"starts_on": version.available_from, "ends_on": version.available_from + dt.timedelta(days=30)}
    PromotionFactory(version=version, code="nofee", kind=c.PromotionKind.FEE_WAIVER, discount_bps=0, **inside)
    assert compliance_check(version, on_date=TODAY).errors()["promotions"] == [
        "promotion nofee: waives fees, but the version charges none"
    ]
    FeeFactory(version=version, code="service", amount=Decimal("300.00"))
    assert "promotions" not in compliance_check(version, on_date=TODAY).errors()
