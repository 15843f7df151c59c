"""Input and output serializers of the catalogue API.

Inputs check each field's type and range (the product's own limits are checked by
`products.quotes.product_quote`, which names the broken limit). Outputs read the catalogue's
objects (versions, quotes, recommendations) and describe every 2xx body in the OpenAPI schema:
amounts are strings with two decimals, rates strings with six (a fraction: "0.049000" is 4.9 %),
both rounded half-up; dates are ISO 8601.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loanhub import clock
from loanhub.money import apr_serializer_field, money_serializer_field
from products import choices as c
from products.pricing import rate_from
from products.quotes import representative_quote

MAX_AMOUNT = Decimal("100000000000")  # 1e11


def codes(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), **kwargs)


class CodeOrNullField(serializers.CharField):
    """A code the database keeps blank when there is none, sent as null."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


# Inputs


class ProductListFilterSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=c.Category.choices, required=False)
    channel = serializers.ChoiceField(choices=c.Channel.choices, required=False)
    segment = serializers.ChoiceField(choices=c.Segment.choices, required=False)
    status = serializers.ChoiceField(choices=c.ProductStatus.choices, required=False)


class ProductQuoteInputSerializer(serializers.Serializer):
    amount = money_serializer_field(min_value=Decimal("0.01"), max_value=MAX_AMOUNT)
    term = serializers.IntegerField(min_value=1, max_value=1200, help_text="months")
    method = serializers.ChoiceField(choices=c.RepaymentMethod.choices, required=False)
    frequency = serializers.ChoiceField(choices=c.Frequency.choices, required=False)
    risk_grade = serializers.ChoiceField(choices=c.RiskGrade.choices, required=False)
    segment = serializers.ChoiceField(
        choices=c.Segment.choices,
        required=False,
        help_text="A segment to price for; a signed-in customer's own segments always apply.",
    )
    channel = serializers.ChoiceField(choices=c.Channel.choices, required=False)
    start_date = serializers.DateField(required=False)
    grace_periods = serializers.IntegerField(
        min_value=0, max_value=1200, required=False, help_text="installments of grace (0: none)"
    )
    grace_type = serializers.ChoiceField(
        choices=c.GraceType.choices,
        required=False,
        help_text="Default: the product's first grace type.",
    )


class RecommendationsInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=c.Category.choices, required=False)
    amount = money_serializer_field(min_value=Decimal("0.01"), max_value=MAX_AMOUNT)
    term = serializers.IntegerField(min_value=1, max_value=1200)
    monthly_income = money_serializer_field(min_value=Decimal("0"), required=False)
    monthly_debt = money_serializer_field(min_value=Decimal("0"), required=False, default=Decimal("0"))
    employment_type = serializers.ChoiceField(choices=c.EmploymentType.choices, required=False)
    customer_type = serializers.ChoiceField(choices=c.CustomerType.choices, required=False)
    age = serializers.IntegerField(min_value=16, max_value=100, required=False)
    region = serializers.CharField(max_length=16, required=False)
    segment = serializers.ChoiceField(choices=c.Segment.choices, required=False)
    channel = serializers.ChoiceField(choices=c.Channel.choices, required=False)
    personalised = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false: the non-personalised ranking (PIPL art. 24(2)); signed-in customers only",
    )


# Outputs: a product version


class RepresentativeExampleSerializer(serializers.Serializer):
    """The quote of the version's representative amount and term (the advertised example)."""

    amount = money_serializer_field()
    term = serializers.IntegerField()
    risk_grade = serializers.CharField()
    annual_rate = apr_serializer_field()
    installment = money_serializer_field()
    total_cost = money_serializer_field()


class FeeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField(source="fee_type")
    amount = money_serializer_field(allow_null=True)
    rate = apr_serializer_field(allow_null=True)
    mandatory = serializers.BooleanField()
    waived_for_segments = codes()


class PromotionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    interest_free_periods = serializers.IntegerField()
    discount_bps = serializers.IntegerField()
    segments = codes()
    channels = codes()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class GraceOutputSerializer(serializers.Serializer):
    max_periods = serializers.IntegerField(source="grace_max_periods")
    types = codes(source="grace_types")


class PrepaymentOutputSerializer(serializers.Serializer):
    allowed_after_installments = serializers.IntegerField(source="prepayment_allowed_after")
    fee_rate = apr_serializer_field(source="prepayment_fee_rate")
    free_allowance_per_year = apr_serializer_field(source="prepayment_free_allowance")


class EligibilityOutputSerializer(serializers.Serializer):
    customer_types = codes()
    employment_types = codes()
    regions = codes()
    age_min = serializers.IntegerField()
    age_max = serializers.IntegerField()
    age_max_at_maturity = serializers.IntegerField()
    min_monthly_income = money_serializer_field(allow_null=True)
    max_dti = apr_serializer_field(allow_null=True)


class ProductOutputSerializer(serializers.Serializer):
    """A product on offer (its current version): terms, rates, fees, promotions, eligibility,
    and the representative example at today's price."""

    # The view may set context["on_date"] for the price; the default is today.

    code = serializers.CharField(source="product.code")
    version = serializers.IntegerField()
    status = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    segments = codes()
    channels = codes()
    currency = serializers.CharField()
    amount_min = money_serializer_field()
    amount_max = money_serializer_field()
    term_min = serializers.IntegerField()
    term_max = serializers.IntegerField()
    repayment_methods = codes()
    frequencies = codes()
    default_method = serializers.CharField()
    default_frequency = serializers.CharField()
    day_count = serializers.CharField()
    rate_type = serializers.CharField()
    benchmark = CodeOrNullField()
    rate_from = serializers.SerializerMethodField()
    representative_example = serializers.SerializerMethodField()
    representative_apr = serializers.SerializerMethodField()
    penalty_rate_multiplier = serializers.DecimalField(max_digits=6, decimal_places=4)
    fees = FeeOutputSerializer(many=True)
    promotions = PromotionOutputSerializer(many=True)
    grace = GraceOutputSerializer(source="*")
    prepayment = PrepaymentOutputSerializer(source="*")
    eligibility = EligibilityOutputSerializer(source="*")
    required_documents = codes()
    max_exposure_per_customer = money_serializer_field()
    available_from = serializers.DateField()
    available_until = serializers.DateField(allow_null=True)

    def _on_date(self):
        return self.context.get("on_date") or clock.today()

    def _representative(self, version):
        # Two fields show the one representative quote: build it once per version.
        memo = self.context.setdefault("representatives", {})
        if version.pk not in memo:
            memo[version.pk] = representative_quote(version, on_date=self._on_date())
        return memo[version.pk]

    @extend_schema_field(apr_serializer_field(allow_null=True))
    def get_rate_from(self, version):
        return _rate_text(rate_from(version, on_date=self._on_date()))

    @extend_schema_field(RepresentativeExampleSerializer(allow_null=True))
    def get_representative_example(self, version):
        representative = self._representative(version)
        return None if representative is None else RepresentativeExampleSerializer(representative).data

    @extend_schema_field(apr_serializer_field(allow_null=True))
    def get_representative_apr(self, version):
        representative = self._representative(version)
        return None if representative is None else _rate_text(representative.apr)


_RATE = apr_serializer_field()


def _rate_text(value):
    return None if value is None else _RATE.to_representation(value)


# Outputs: a quote


class InstallmentOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    payment = money_serializer_field()
    principal = money_serializer_field()
    interest = money_serializer_field()
    fees = money_serializer_field()
    balance = money_serializer_field()


class QuoteSummarySerializer(serializers.Serializer):
    total_principal = money_serializer_field(source="schedule.summary.total_principal")
    total_interest = money_serializer_field(source="schedule.summary.total_interest")
    total_fees = money_serializer_field(source="schedule.summary.total_fees")
    total_payable = money_serializer_field(source="schedule.summary.total_payable")
    net_proceeds = money_serializer_field(source="schedule.summary.net_proceeds")
    total_cost = money_serializer_field(help_text="interest and fees")
    apr = apr_serializer_field(source="schedule.summary.apr")
    effective_annual_rate = apr_serializer_field(source="schedule.summary.effective_annual_rate")


class QuoteOutputSerializer(serializers.Serializer):
    """A quote: the engine's schedule plus the product, version, rate and promotions applied."""

    product = serializers.CharField(source="version.product.code")
    version = serializers.IntegerField(source="version.version")
    amount = money_serializer_field()
    term = serializers.IntegerField(help_text="months")
    installments_count = serializers.IntegerField()
    method = serializers.CharField()
    frequency = serializers.CharField()
    risk_grade = serializers.CharField()
    annual_rate = apr_serializer_field()
    base_rate = apr_serializer_field(source="price.base_rate")
    benchmark = CodeOrNullField(source="price.benchmark")
    benchmark_rate = apr_serializer_field(source="price.benchmark_rate", allow_null=True)
    promotions_applied = codes(source="price.promotions_applied")
    installments = InstallmentOutputSerializer(many=True, source="schedule.installments")
    summary = QuoteSummarySerializer(source="*")


# Outputs: recommendations


class ExclusionSerializer(serializers.Serializer):
    rule = serializers.CharField()
    message = serializers.CharField()


QUOTED_FIELDS = ("annual_rate", "installment", "total_cost", "total_payable", "apr", "promotions_applied")


class RecommendationOutputSerializer(serializers.Serializer):
    """One product judged against the profile: rank (null when excluded), why it fits, what
    excludes it, and, for an eligible product, its quoted figures."""

    # The ranks come from context["ranks"] (by version id).

    rank = serializers.SerializerMethodField()
    product = serializers.CharField(source="version.product.code")
    version = serializers.IntegerField(source="version.version")
    name = serializers.CharField(source="version.name")
    category = serializers.CharField(source="version.category")
    reasons = codes()
    excluded_by = ExclusionSerializer(many=True, source="exclusions")
    dti = apr_serializer_field(allow_null=True, help_text="debt to income with this loan")
    annual_rate = apr_serializer_field(source="quote.annual_rate", required=False)
    installment = money_serializer_field(source="quote.installment", required=False)
    total_cost = money_serializer_field(source="quote.total_cost", required=False)
    total_payable = money_serializer_field(source="quote.total_payable", required=False)
    apr = apr_serializer_field(source="quote.apr", required=False)
    promotions_applied = codes(source="quote.price.promotions_applied", required=False)
    affinity = serializers.IntegerField(
        allow_null=True, help_text="the personalised ranking's score (null when not personalised)"
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_rank(self, recommendation):
        return self.context.get("ranks", {}).get(recommendation.version.pk)

    def to_representation(self, recommendation):
        data = super().to_representation(recommendation)
        if not (recommendation.eligible and recommendation.quote is not None):
            for name in QUOTED_FIELDS:
                data.pop(name, None)
        return data


class RecommendationsOutputSerializer(serializers.Serializer):
    personalised = serializers.BooleanField(help_text="ranked from the customer's profile and history")
    basis = serializers.ChoiceField(
        choices=["query", "profile_and_history", "featured_order"],
        help_text="query: by total cost for the details given (anonymous callers); "
        "profile_and_history: personalised; featured_order: the catalogue's order, the same for everyone",
    )
    notice = serializers.CharField(help_text="which ranking this is, in the caller's language")
    consent = serializers.BooleanField(
        allow_null=True,
        help_text="the customer's personalised-recommendations consent (null: not a customer)",
    )
    eligible = RecommendationOutputSerializer(
        many=True, help_text="ranked by total cost, or as `basis` says for a signed-in customer"
    )
    ineligible = RecommendationOutputSerializer(many=True)
