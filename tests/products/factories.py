"""factory_boy factories of the product catalogue (and users in a role)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from loanhub import clock
from products import choices as c
from products.models import BenchmarkRate, Fee, PricingTier, Product, ProductVersion, Promotion

TODAY = dt.date(2026, 9, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"TEST-{n:03d}")


class ProductVersionFactory(factory.django.DjangoModelFactory):
    """A complete, compliant fixed-rate version: grid 6–60 months for every grade."""

    class Meta:
        model = ProductVersion
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    version = 1
    status = c.ProductStatus.DRAFT
    name_zh = factory.Sequence(lambda n: f"测试贷款{n}")
    name_en = factory.Sequence(lambda n: f"Test Loan {n}")
    category = c.Category.CONSUMER_GENERAL
    segments = factory.LazyFunction(lambda: ["salaried"])
    channels = factory.LazyFunction(lambda: ["web", "app"])
    available_from = dt.date(2026, 1, 1)
    available_until = None
    amount_min = Decimal("10000.00")
    amount_max = Decimal("500000.00")
    term_min = 6
    term_max = 60
    repayment_methods = factory.LazyFunction(lambda: ["annuity", "equal_principal"])
    frequencies = factory.LazyFunction(lambda: ["monthly"])
    default_method = "annuity"
    default_frequency = "monthly"
    representative_amount = Decimal("100000.00")
    representative_term = 36
    rate_type = c.RateType.FIXED
    benchmark = ""
    customer_types = factory.LazyFunction(lambda: ["individual"])
    employment_types = factory.LazyFunction(lambda: ["salaried", "self_employed"])
    age_min = 18
    age_max = 60
    age_max_at_maturity = 65
    min_monthly_income = Decimal("3000.00")
    max_dti = Decimal("0.5")
    max_exposure_per_customer = Decimal("500000.00")

    @factory.post_generation
    def grid(self, create, extracted, **kwargs):
        """grid=[(grade, term_min, term_max, rate or spread_bps), …]; default one band per grade."""
        if not create:
            return
        rows = extracted
        if rows is None:
            rates = {"A": "0.0400", "B": "0.0600", "C": "0.0800", "D": "0.1000", "E": "0.1200"}
            rows = [(grade, self.term_min, self.term_max, rate) for grade, rate in rates.items()]
        for grade, low, high, value in rows:
            if self.rate_type == c.RateType.FLOATING:
                PricingTier.objects.create(
                    version=self, risk_grade=grade, term_min=low, term_max=high, spread_bps=value
                )
            else:
                PricingTier.objects.create(
                    version=self, risk_grade=grade, term_min=low, term_max=high, annual_rate=Decimal(value)
                )


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    version = factory.SubFactory(ProductVersionFactory)
    code = factory.Sequence(lambda n: f"fee{n}")
    name_zh = "服务费"
    name_en = "Service fee"
    fee_type = c.FeeType.UPFRONT
    amount = Decimal("200.00")
    rate = None
    mandatory = True


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    version = factory.SubFactory(ProductVersionFactory)
    code = factory.Sequence(lambda n: f"promo{n}")
    name_zh = "优惠"
    name_en = "Offer"
    kind = c.PromotionKind.RATE_DISCOUNT
    discount_bps = 50
    # Running from the clock's today: a literal end date would expire under the tests.
    starts_on = factory.LazyFunction(lambda: clock.today() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: clock.today() + dt.timedelta(days=180))


class BenchmarkRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenchmarkRate
        django_get_or_create = ("benchmark", "effective_date")

    benchmark = c.Benchmark.LPR_5Y
    effective_date = dt.date(2026, 1, 20)
    rate = Decimal("0.035")


def role_users() -> dict[str, object]:
    """One user per role, plus a second Product Manager and an anonymous-equivalent None."""
    from loanhub import roles

    users = {
        "pm": UserFactory(username="pm", role=roles.PRODUCT_MANAGER),
        "pm2": UserFactory(username="pm2", role=roles.PRODUCT_MANAGER),
        "senior": UserFactory(username="senior", role=roles.SENIOR_APPROVER),
        "officer": UserFactory(username="officer", role=roles.LOAN_OFFICER),
        "analyst": UserFactory(username="analyst", role=roles.RISK_ANALYST),
        "marketing": UserFactory(username="marketing", role=roles.MARKETING_MANAGER),
        "auditor": UserFactory(username="auditor", role=roles.AUDITOR),
        "customer": UserFactory(username="customer", role=roles.CUSTOMER, is_staff=False),
    }
    return users


def version_in(status: str, *, maker=None, **kwargs) -> ProductVersion:
    """A version in `status`, as if `maker` created and submitted it."""
    submitted = status != c.ProductStatus.DRAFT
    return ProductVersionFactory(
        status=status,
        created_by=maker,
        submitted_by=maker if submitted else None,
        **kwargs,
    )
