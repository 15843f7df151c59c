"""Serializers of a product definition: the JSON of `manage.py products export|import`.

A definition is one version's terms with its pricing grid, fees and promotions, in a stable,
reviewable shape (sorted keys, money and rates as strings). These serializers check shape and
types; the business rules (limits, grid coverage, APR cap) are the compliance check's.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from loanhub.money import money_serializer_field, rate_serializer_field
from products import choices as c
from products.models import DEFAULT_MAX_INSTALLMENT_RATIO, DEFAULT_MAX_REPAYMENT_MULTIPLE

TERM_FIELDS = (
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "category",
    "segments",
    "channels",
    "currency",
    "available_from",
    "available_until",
    "amount_min",
    "amount_max",
    "term_min",
    "term_max",
    "repayment_methods",
    "frequencies",
    "default_method",
    "default_frequency",
    "day_count",
    "representative_amount",
    "representative_term",
    "rate_type",
    "benchmark",
    "rate_reset",
    "penalty_rate_multiplier",
    "overdue_grace_days",
    "compound_penalty",
    "allocation_order",
    "worst_loan_classification",
    "grace_max_periods",
    "grace_types",
    "deferral_interest",
    "prepayment_allowed_after",
    "prepayment_fee_rate",
    "prepayment_free_allowance",
    "customer_types",
    "employment_types",
    "regions",
    "age_min",
    "age_max",
    "age_max_at_maturity",
    "min_monthly_income",
    "max_dti",
    "required_documents",
    "max_exposure_per_customer",
    "auto_approve_limit",
    "max_ltv",
    "ltv_excess",
    "max_installment_ratio",
    "max_repayment_multiple",
)
TIER_FIELDS = ("risk_grade", "term_min", "term_max", "annual_rate", "spread_bps")
FEE_FIELDS = ("code", "name_zh", "name_en", "fee_type", "amount", "rate", "mandatory", "waived_for_segments")
PROMOTION_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "kind",
    "interest_free_periods",
    "discount_bps",
    "segments",
    "channels",
    "starts_on",
    "ends_on",
)


def _codes(choices):
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False, default=list)


class SegmentOrInvitationField(serializers.ChoiceField):
    """A catalogue segment, or an invitation `invited:<promotion code>` (products.hooks)."""

    def __init__(self, **kwargs):
        super().__init__(choices=c.Segment.choices, **kwargs)

    def to_internal_value(self, data):
        if c.is_invitation(data):
            return data
        return super().to_internal_value(data)


def _audience_codes():
    return serializers.ListField(child=SegmentOrInvitationField(), required=False, default=list)


class TermsSerializer(serializers.Serializer):
    name_zh = serializers.CharField(max_length=120)
    name_en = serializers.CharField(max_length=120)
    description_zh = serializers.CharField(allow_blank=True, required=False, default="")
    description_en = serializers.CharField(allow_blank=True, required=False, default="")
    category = serializers.ChoiceField(choices=c.Category.choices)
    segments = _codes(c.Segment.choices)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=c.Channel.choices), allow_empty=False
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="CNY")
    available_from = serializers.DateField()
    available_until = serializers.DateField(allow_null=True, required=False, default=None)
    amount_min = money_serializer_field(min_value=Decimal("0.01"))
    amount_max = money_serializer_field(min_value=Decimal("0.01"))
    term_min = serializers.IntegerField(min_value=1, max_value=600)
    term_max = serializers.IntegerField(min_value=1, max_value=600)
    repayment_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=c.RepaymentMethod.choices), allow_empty=False
    )
    frequencies = serializers.ListField(
        child=serializers.ChoiceField(choices=c.Frequency.choices), allow_empty=False
    )
    default_method = serializers.ChoiceField(choices=c.RepaymentMethod.choices)
    default_frequency = serializers.ChoiceField(
        choices=c.Frequency.choices, required=False, default="monthly"
    )
    day_count = serializers.ChoiceField(choices=c.DayCount.choices, required=False, default="30/360")
    representative_amount = money_serializer_field(min_value=Decimal("0.01"))
    representative_term = serializers.IntegerField(min_value=1, max_value=600)
    rate_type = serializers.ChoiceField(choices=c.RateType.choices)
    benchmark = serializers.ChoiceField(
        choices=c.Benchmark.choices, allow_blank=True, required=False, default=""
    )
    rate_reset = serializers.ChoiceField(
        choices=c.RateReset.choices, required=False, default=c.RateReset.ANNIVERSARY
    )
    penalty_rate_multiplier = serializers.DecimalField(
        max_digits=6,
        decimal_places=4,
        min_value=Decimal("1"),
        max_value=Decimal("1.5"),
        required=False,
        default=Decimal("1.5"),
    )
    overdue_grace_days = serializers.IntegerField(min_value=0, max_value=30, required=False, default=0)
    compound_penalty = serializers.BooleanField(required=False, default=True)
    allocation_order = serializers.ChoiceField(
        choices=c.AllocationOrder.choices, required=False, default=c.AllocationOrder.CIVIL_CODE
    )
    worst_loan_classification = serializers.BooleanField(required=False, default=False)
    grace_max_periods = serializers.IntegerField(min_value=0, max_value=60, required=False, default=0)
    grace_types = _codes(c.GraceType.choices)
    deferral_interest = serializers.ChoiceField(
        choices=c.DeferralInterest.choices, required=False, default=c.DeferralInterest.CAPITALISE
    )
    prepayment_allowed_after = serializers.IntegerField(min_value=0, max_value=600, required=False, default=0)
    prepayment_fee_rate = rate_serializer_field(
        min_value=Decimal("0"), max_value=Decimal("1"), required=False, default=Decimal("0")
    )
    prepayment_free_allowance = rate_serializer_field(
        min_value=Decimal("0"), max_value=Decimal("1"), required=False, default=Decimal("0")
    )
    customer_types = serializers.ListField(
        child=serializers.ChoiceField(choices=c.CustomerType.choices), allow_empty=False
    )
    employment_types = _codes(c.EmploymentType.choices)
    regions = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list)
    age_min = serializers.IntegerField(min_value=16, max_value=100, required=False, default=18)
    age_max = serializers.IntegerField(min_value=16, max_value=100, required=False, default=60)
    age_max_at_maturity = serializers.IntegerField(min_value=16, max_value=100, required=False, default=65)
    min_monthly_income = money_serializer_field(min_value=Decimal("0"), required=False, default=Decimal("0"))
    max_dti = rate_serializer_field(
        min_value=Decimal("0"), max_value=Decimal("1"), required=False, default=Decimal("0.5")
    )
    required_documents = _codes(c.Document.choices)
    max_exposure_per_customer = money_serializer_field(min_value=Decimal("0.01"))
    auto_approve_limit = money_serializer_field(
        min_value=Decimal("0.01"), required=False, allow_null=True, default=None
    )
    max_ltv = rate_serializer_field(
        min_value=Decimal("0.01"), max_value=Decimal("5"), required=False, allow_null=True, default=None
    )
    ltv_excess = serializers.ChoiceField(
        choices=c.LtvExcess.choices, required=False, default=c.LtvExcess.REFUSE
    )
    max_installment_ratio = rate_serializer_field(
        min_value=Decimal("0.01"),
        max_value=Decimal("1.5"),
        required=False,
        default=DEFAULT_MAX_INSTALLMENT_RATIO,
    )
    max_repayment_multiple = rate_serializer_field(
        min_value=Decimal("1"),
        max_value=Decimal("10"),
        required=False,
        default=DEFAULT_MAX_REPAYMENT_MULTIPLE,
    )


class PricingTierSerializer(serializers.Serializer):
    risk_grade = serializers.ChoiceField(choices=c.RiskGrade.choices)
    term_min = serializers.IntegerField(min_value=1, max_value=600)
    term_max = serializers.IntegerField(min_value=1, max_value=600)
    annual_rate = rate_serializer_field(
        min_value=Decimal("0"), max_value=Decimal("10"), allow_null=True, required=False, default=None
    )
    spread_bps = serializers.IntegerField(
        min_value=-10000, max_value=10000, allow_null=True, required=False, default=None
    )


class FeeSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    name_zh = serializers.CharField(max_length=80)
    name_en = serializers.CharField(max_length=80)
    fee_type = serializers.ChoiceField(choices=c.FeeType.choices)
    amount = money_serializer_field(min_value=Decimal("0"), allow_null=True, required=False, default=None)
    rate = rate_serializer_field(
        min_value=Decimal("0"), max_value=Decimal("1"), allow_null=True, required=False, default=None
    )
    mandatory = serializers.BooleanField(required=False, default=True)
    waived_for_segments = _audience_codes()


class PromotionSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    name_zh = serializers.CharField(max_length=80)
    name_en = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=c.PromotionKind.choices)
    interest_free_periods = serializers.IntegerField(min_value=0, max_value=600, required=False, default=0)
    discount_bps = serializers.IntegerField(min_value=0, max_value=10000, required=False, default=0)
    segments = _audience_codes()
    channels = _codes(c.Channel.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ProductDefinitionSerializer(serializers.Serializer):
    """One product's definition as exported; `version` and `status` are informative on import."""

    code = serializers.RegexField(r"^[A-Z0-9][A-Z0-9-]{1,31}$", max_length=32)
    version = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False)
    terms = TermsSerializer()
    pricing_grid = PricingTierSerializer(many=True, allow_empty=False)
    fees = FeeSerializer(many=True, required=False, default=list)
    promotions = PromotionSerializer(many=True, required=False, default=list)

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        for name in ("fees", "promotions"):
            codes = [row["code"] for row in attrs.get(name, [])]
            duplicates = sorted({code for code in codes if codes.count(code) > 1})
            if duplicates:
                errors[name] = [_("duplicate codes: %(codes)s") % {"codes": ", ".join(duplicates)}]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CatalogueFileSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["loanhub.products"])
    format_version = serializers.ChoiceField(choices=[1])
    products = ProductDefinitionSerializer(many=True, allow_empty=False)

    def validate_products(self, value):
        codes = [item["code"] for item in value]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise serializers.ValidationError(
                _("duplicate product codes: %(codes)s") % {"codes": ", ".join(duplicates)}
            )
        return value
