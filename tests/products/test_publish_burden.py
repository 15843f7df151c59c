"""The payment-burden caps, checked at publish time beside the APR cap: a grid whose worst case
(highest rate × shortest and longest term × each method) makes a regular payment too large a share
of the principal, or the whole repayment too large a multiple of it, is never published."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from demo.products import seed_products
from loanhub import clock
from loanhub.errors import Invalid
from products import choices as c
from products import services
from products.compliance import compliance_check, monthly_payment
from products.models import (
    DEFAULT_MAX_INSTALLMENT_RATIO,
    DEFAULT_MAX_REPAYMENT_MULTIPLE,
    ProductEvent,
    ProductVersion,
)
from products.quotes import product_quote
from tests.products.factories import TODAY, role_users, version_in

pytestmark = pytest.mark.django_db
S = c.ProductStatus


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def users():
    return role_users()


@pytest.fixture
def no_apr_cap(settings):
    """The burden caps on their own: the APR cap set out of the way."""
    settings.LOANHUB_APR_CAP = Decimal("10")


def _flat_grid(rate: str, low: int, high: int) -> list[tuple]:
    return [(grade, low, high, rate) for grade in "ABCDE"]


def test_a_36_percent_interest_only_grid_over_30_years_is_refused_naming_the_rate_and_term(users):
    # Given 36 % for up to 360 months, interest-only or annuity
    version = version_in(
        S.IN_REVIEW,
        maker=users["pm"],
        term_min=12,
        term_max=360,
        representative_term=36,
        repayment_methods=["interest_only", "annuity"],
        grid=_flat_grid("0.36", 12, 360),
    )
    # When a second manager approves it, it is refused (400) and nothing changes
    with pytest.raises(services.ProductComplianceError) as refused:
        services.product_approve(version=version, actor=users["pm2"], on_date=TODAY)
    assert isinstance(refused.value, Invalid)
    messages = refused.value.errors["max_repayment_multiple"]
    # Then each method's 360-month worst case is named with its rate; the 12-month ones pass
    assert len(messages) == 2
    assert all("term 360 months" in m and "at 36.0000%" in m for m in messages)
    assert any("interest_only" in m for m in messages)
    assert any("annuity" in m for m in messages)
    assert all("above the cap of 2.50 times" in m for m in messages)
    burden = [v for v in refused.value.report.violations if v.field == "max_repayment_multiple"]
    interest_only = next(v for v in burden if v.combination["method"] == "interest_only")
    # 12 % of the principal a year for 30 years, plus the principal
    assert Decimal(interest_only.combination["repayment_multiple"]) == Decimal("11.800000")
    version.refresh_from_db()
    assert (version.status, version.approved_by) == (S.IN_REVIEW, None)
    assert not ProductEvent.objects.filter(version=version).exists()


def test_an_annuity_that_barely_amortises_is_refused_even_under_the_apr_cap(users, no_apr_cap):
    version = version_in(
        S.IN_REVIEW,
        maker=users["pm"],
        term_min=60,
        term_max=360,
        representative_term=120,
        repayment_methods=["annuity"],
        grid=_flat_grid("0.20", 60, 360),
    )
    report = compliance_check(version, on_date=TODAY)
    assert set(report.errors()) == {"max_repayment_multiple"}
    (message,) = report.errors()["max_repayment_multiple"]
    assert "term 360 months" in message
    assert "grade E at 20.0000%" in message
    # 20 % over 60 months repays about 1.59 times: within the cap, so not listed
    assert "term 60 months" not in message
    assert report.worst_repayment_multiple > Decimal("6")


def test_a_regular_payment_above_the_installment_cap_is_refused(users, no_apr_cap):
    # A one-month loan repays the whole principal in its only installment.
    version = version_in(
        S.IN_REVIEW,
        maker=users["pm"],
        term_min=1,
        term_max=12,
        representative_term=6,
        grid=_flat_grid("0.10", 1, 12),
    )
    with pytest.raises(services.ProductComplianceError) as refused:
        services.product_approve(version=version, actor=users["senior"], on_date=TODAY)
    messages = refused.value.errors["max_installment_ratio"]
    assert len(messages) == 2  # annuity and equal principal, both at one month
    assert all("term 1 months" in m and "at 10.0000%" in m for m in messages)
    assert all("above the cap of 50.00%" in m for m in messages)
    assert "max_repayment_multiple" not in refused.value.errors


def test_the_burden_refusal_is_in_the_active_language(users, no_apr_cap):
    version = version_in(S.IN_REVIEW, maker=users["pm"], term_min=1, grid=_flat_grid("0.10", 1, 60))
    with translation.override("zh-hans"):
        errors = compliance_check(version, on_date=TODAY).errors()
    assert all("超过上限 50.00%" in m for m in errors["max_installment_ratio"])


def test_the_caps_are_the_products_own(users, no_apr_cap):
    # Given the barely-amortising grid, but a product that states a higher repayment cap
    version = version_in(
        S.IN_REVIEW,
        maker=users["pm"],
        term_min=60,
        term_max=360,
        representative_term=120,
        repayment_methods=["annuity"],
        grid=_flat_grid("0.20", 60, 360),
        max_repayment_multiple=Decimal("6.5"),
    )
    # Then it is published, and the event keeps the worst burden the check found
    services.product_approve(version=version, actor=users["pm2"], on_date=TODAY)
    assert version.status == S.ACTIVE
    event = ProductEvent.objects.get(version=version, to_state=S.ACTIVE)
    found = event.payload["compliance"]
    assert Decimal("6") < Decimal(found["worst_repayment_multiple"]) <= Decimal("6.5")
    assert Decimal(found["worst_installment_ratio"]) < DEFAULT_MAX_INSTALLMENT_RATIO


def test_a_usurious_grid_breaks_both_burden_caps_even_where_the_apr_cap_would_allow_it(users, no_apr_cap):
    version = version_in(S.IN_REVIEW, maker=users["pm"], grid=_flat_grid("9.99", 6, 60))
    errors = compliance_check(version, on_date=TODAY).errors()
    assert set(errors) == {"max_installment_ratio", "max_repayment_multiple"}
    messages = [m for ms in errors.values() for m in ms]
    assert all("grade E at 999.0000%" in m for m in messages)
    assert any("term 6 months" in m for m in errors["max_installment_ratio"])


def test_the_burden_cap_measures_what_debt_to_income_counts(users):
    # The publish check and the quote's monthly payment (debt-to-income) are one measure.
    version = version_in(S.ACTIVE, maker=users["pm"], repayment_methods=["annuity", "interest_only"])
    quote = product_quote(
        version=version, amount=Decimal("100000"), term=24, method="interest_only", start_date=TODAY
    )
    assert quote.monthly_payment == monthly_payment(
        quote.schedule, method="interest_only", frequency="monthly", term=24
    )
    # The last payment (the principal) is not a regular one: the burden is the interest.
    assert quote.monthly_payment < Decimal("1500")


def test_every_demo_product_publishes_within_the_default_caps(users):
    seed_products(maker=users["pm"], checker=users["pm2"])
    versions = list(ProductVersion.objects.select_related("product"))
    assert versions
    for version in versions:
        assert version.max_installment_ratio == DEFAULT_MAX_INSTALLMENT_RATIO
        assert version.max_repayment_multiple == DEFAULT_MAX_REPAYMENT_MULTIPLE
        report = compliance_check(version, on_date=clock.today())
        assert report.ok, (version, report.errors())
        assert report.worst_repayment_multiple <= DEFAULT_MAX_REPAYMENT_MULTIPLE
    published = {v.product.code for v in versions if v.status in (S.ACTIVE, S.SUSPENDED, S.RETIRED)}
    assert {"HOME-LPR", "EDU-STAR", "TRAVEL-GO", "BIZ-OP", "PREMIUM-ELITE"} <= published


def test_an_import_with_an_extreme_grid_is_refused_and_writes_nothing(users):
    from products.selectors import product_version_definition

    template = product_version_definition(version_in(S.ACTIVE, maker=users["pm"]))
    template["code"] = "EXTREME"
    template["terms"].update(term_min=12, term_max=360, repayment_methods=["interest_only"])
    template["terms"].update(default_method="interest_only")
    template["pricing_grid"] = [
        {"risk_grade": g, "term_min": 12, "term_max": 360, "annual_rate": "0.18", "spread_bps": None}
        for g in "ABCDE"
    ]
    data = {"format": "loanhub.products", "format_version": 1, "products": [template]}
    with pytest.raises(services.ProductValidationError) as refused:
        services.products_import(data=data, actor=users["pm"], on_date=TODAY)
    assert any(key.endswith("max_repayment_multiple") for key in refused.value.errors)
    assert not ProductVersion.objects.filter(product__code="EXTREME").exists()
