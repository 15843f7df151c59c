"""The product catalogue API: list, detail, quote and recommendations.

Anyone may read what is offered (anonymous callers see active products only; staff who may view
products can ask for other states with `?status=`). One API class per operation, each with its
own input and output serializers; every rule is in `products.services` / `products.selectors`.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from loanhub import clock
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Invalid, NotFound
from loanhub.formatting import money_text, rate_text
from products import choices as c
from products import selectors, services
from products.models import Product, ProductVersion
from products.pricing import rate_from
from products.quotes import Profile, representative_quote

MONEY = {"max_digits": 18, "decimal_places": 2}


def product_payload(version: ProductVersion, *, on_date=None) -> dict:
    """The public description of a version (the list and detail responses)."""
    on_date = on_date or clock.today()
    representative = representative_quote(version, on_date=on_date)
    return {
        "code": version.product.code,
        "version": version.version,
        "status": version.status,
        "name": version.name,
        "name_zh": version.name_zh,
        "name_en": version.name_en,
        "description": version.description,
        "category": version.category,
        "segments": version.segments,
        "channels": version.channels,
        "currency": version.currency,
        "amount_min": money_text(version.amount_min),
        "amount_max": money_text(version.amount_max),
        "term_min": version.term_min,
        "term_max": version.term_max,
        "repayment_methods": version.repayment_methods,
        "frequencies": version.frequencies,
        "default_method": version.default_method,
        "default_frequency": version.default_frequency,
        "day_count": version.day_count,
        "rate_type": version.rate_type,
        "benchmark": version.benchmark or None,
        "rate_from": rate_text(rate_from(version, on_date=on_date)),
        "representative_example": None
        if representative is None
        else {
            "amount": money_text(representative.amount),
            "term": representative.term,
            "risk_grade": representative.risk_grade,
            "annual_rate": rate_text(representative.annual_rate),
            "installment": money_text(representative.installment),
            "total_cost": money_text(representative.total_cost),
        },
        "representative_apr": None if representative is None else rate_text(representative.apr),
        "penalty_rate_multiplier": str(version.penalty_rate_multiplier),
        "fees": [
            {
                "code": fee.code,
                "name": fee.name,
                "type": fee.fee_type,
                "amount": money_text(fee.amount),
                "rate": rate_text(fee.rate),
                "mandatory": fee.mandatory,
                "waived_for_segments": fee.waived_for_segments,
            }
            for fee in version.fees.all()
        ],
        "promotions": [
            {
                "code": p.code,
                "name": p.name,
                "kind": p.kind,
                "interest_free_periods": p.interest_free_periods,
                "discount_bps": p.discount_bps,
                "segments": p.segments,
                "channels": p.channels,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat(),
            }
            for p in version.promotions.all()
        ],
        "grace": {"max_periods": version.grace_max_periods, "types": version.grace_types},
        "prepayment": {
            "allowed_after_installments": version.prepayment_allowed_after,
            "fee_rate": rate_text(version.prepayment_fee_rate),
            "free_allowance_per_year": rate_text(version.prepayment_free_allowance),
        },
        "eligibility": {
            "customer_types": version.customer_types,
            "employment_types": version.employment_types,
            "regions": version.regions,
            "age_min": version.age_min,
            "age_max": version.age_max,
            "age_max_at_maturity": version.age_max_at_maturity,
            "min_monthly_income": money_text(version.min_monthly_income),
            "max_dti": rate_text(version.max_dti),
        },
        "required_documents": version.required_documents,
        "max_exposure_per_customer": money_text(version.max_exposure_per_customer),
        "available_from": version.available_from.isoformat(),
        "available_until": version.available_until.isoformat() if version.available_until else None,
    }


def quote_payload(quote) -> dict:
    """The engine's schedule response plus the product, version, rate and promotions."""
    return {
        "product": quote.version.product.code,
        "version": quote.version.version,
        "amount": money_text(quote.amount),
        "term": quote.term,
        "installments_count": quote.installments_count,
        "method": quote.method,
        "frequency": quote.frequency,
        "risk_grade": quote.risk_grade,
        "annual_rate": rate_text(quote.annual_rate),
        "base_rate": rate_text(quote.price.base_rate),
        "benchmark": quote.price.benchmark or None,
        "benchmark_rate": rate_text(quote.price.benchmark_rate),
        "promotions_applied": quote.price.promotions_applied,
        "installments": [
            {
                "number": row["number"],
                "due_date": row["due_date"].isoformat(),
                **{k: money_text(row[k]) for k in ("payment", "principal", "interest", "fees", "balance")},
            }
            for row in quote.schedule.installments
        ],
        "summary": {
            **{
                k: money_text(quote.schedule.summary[k])
                for k in ("total_principal", "total_interest", "total_fees", "total_payable", "net_proceeds")
            },
            "total_cost": money_text(quote.total_cost),
            "apr": rate_text(quote.schedule.summary["apr"]),
            "effective_annual_rate": rate_text(quote.schedule.summary["effective_annual_rate"]),
        },
    }


class CatalogueApi(APIView):
    permission_classes = (AllowAny,)
    throttle_classes = (AnonRateThrottle, UserRateThrottle)


def _may_see_all(user) -> bool:
    return bool(getattr(user, "is_staff", False) and user.has_perm("products.view_productversion"))


class ProductListApi(CatalogueApi):
    class FilterSerializer(serializers.Serializer):
        category = serializers.ChoiceField(choices=c.Category.choices, required=False)
        channel = serializers.ChoiceField(choices=c.Channel.choices, required=False)
        segment = serializers.ChoiceField(choices=c.Segment.choices, required=False)
        status = serializers.ChoiceField(choices=c.ProductStatus.choices, required=False)

    @extend_schema(
        tags=["products"],
        summary="Products on offer (staff with product view rights may filter other states)",
        operation_id="products_list",
        parameters=[FilterSerializer],
        responses={200: OpenApiResponse(description="A list of products"), 400: FIELD_ERRORS},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        wanted = data.get("status")
        if wanted and wanted != c.ProductStatus.ACTIVE:
            if not _may_see_all(request.user):
                raise Invalid({"status": [_("only active products are public")]})
            versions = selectors.product_list(status=wanted, category=data.get("category"))
            versions = [
                v
                for v in versions
                if (not data.get("channel") or data["channel"] in v.channels)
                and (not data.get("segment") or data["segment"] in v.segments)
            ]
        else:
            versions = selectors.product_list_active(
                category=data.get("category"), channel=data.get("channel"), segment=data.get("segment")
            )
        return Response([product_payload(v) for v in versions])


def _offered(code: str):
    """The version of `code` on offer; NotFound (404) for an unknown code, ProductNotOffered (409)
    for one that is suspended or retired."""
    try:
        return selectors.product_get_offered(code=code)
    except Product.DoesNotExist:
        raise NotFound({"product": [_("unknown product %(code)s") % {"code": code}]}) from None


class ProductDetailApi(CatalogueApi):
    @extend_schema(
        tags=["products"],
        summary="One product on offer",
        operation_id="products_retrieve",
        responses={
            200: OpenApiResponse(description="The product"),
            404: detail_response("No product with this code"),
            409: detail_response("The product is suspended or retired: not offered"),
        },
    )
    def get(self, request, code: str):
        version = _offered(code)
        return Response(product_payload(version))


class ProductQuoteApi(CatalogueApi):
    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(
            min_value=Decimal("0.01"), max_value=Decimal("100000000000"), **MONEY
        )
        term = serializers.IntegerField(min_value=1, max_value=1200, help_text="months")
        method = serializers.ChoiceField(choices=c.RepaymentMethod.choices, required=False)
        frequency = serializers.ChoiceField(choices=c.Frequency.choices, required=False)
        risk_grade = serializers.ChoiceField(choices=c.RiskGrade.choices, required=False)
        segment = serializers.ChoiceField(choices=c.Segment.choices, required=False)
        channel = serializers.ChoiceField(choices=c.Channel.choices, required=False)
        start_date = serializers.DateField(required=False)

    @extend_schema(
        tags=["products"],
        summary="Quote a product: the schedule, total cost and APR for an amount and term",
        request=InputSerializer,
        responses={
            200: OpenApiResponse(description="Schedule and price"),
            400: FIELD_ERRORS,
            404: detail_response("No product with this code"),
            409: detail_response("The product is suspended or retired: not offered"),
        },
    )
    def post(self, request, code: str):
        version = _offered(code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        segment = data.pop("segment", None)
        quote = services.product_quote(version=version, segments=(segment,) if segment else (), **data)
        return Response(quote_payload(quote))


class RecommendationsApi(CatalogueApi):
    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=c.Category.choices, required=False)
        amount = serializers.DecimalField(
            min_value=Decimal("0.01"), max_value=Decimal("100000000000"), **MONEY
        )
        term = serializers.IntegerField(min_value=1, max_value=1200)
        monthly_income = serializers.DecimalField(min_value=Decimal("0"), required=False, **MONEY)
        monthly_debt = serializers.DecimalField(
            min_value=Decimal("0"), required=False, default=Decimal("0"), **MONEY
        )
        employment_type = serializers.ChoiceField(choices=c.EmploymentType.choices, required=False)
        customer_type = serializers.ChoiceField(choices=c.CustomerType.choices, required=False)
        age = serializers.IntegerField(min_value=16, max_value=100, required=False)
        region = serializers.CharField(max_length=16, required=False)
        segment = serializers.ChoiceField(choices=c.Segment.choices, required=False)
        channel = serializers.ChoiceField(choices=c.Channel.choices, required=False)

    @extend_schema(
        tags=["products"],
        summary="Products ranked by estimated total cost for a customer profile, with reasons",
        parameters=[
            InputSerializer,
            OpenApiParameter("amount", str, required=True),
        ],
        responses={
            200: OpenApiResponse(description="Eligible first, ranked; then the excluded"),
            400: FIELD_ERRORS,
        },
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        segment = data.pop("segment", None)
        profile = Profile(segments=(segment,) if segment else (), **data)
        recommendations = services.product_recommend(
            profile=profile, versions=selectors.product_list_active()
        )
        return Response(
            {
                "eligible": [
                    recommendation_payload(r, rank) for rank, r in enumerate(_eligible(recommendations), 1)
                ],
                "ineligible": [recommendation_payload(r, None) for r in recommendations if not r.eligible],
            }
        )


def _eligible(recommendations):
    return [r for r in recommendations if r.eligible]


def recommendation_payload(recommendation, rank: int | None) -> dict:
    version, quote = recommendation.version, recommendation.quote
    out = {
        "rank": rank,
        "product": version.product.code,
        "version": version.version,
        "name": version.name,
        "category": version.category,
        "reasons": recommendation.reasons,
        "excluded_by": recommendation.exclusions,
        "dti": rate_text(recommendation.dti),
    }
    if recommendation.eligible and quote is not None:
        out.update(
            annual_rate=rate_text(quote.annual_rate),
            installment=money_text(quote.installment),
            total_cost=money_text(quote.total_cost),
            total_payable=money_text(quote.total_payable),
            apr=rate_text(quote.apr),
            promotions_applied=quote.price.promotions_applied,
        )
    return out
