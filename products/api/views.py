"""The product catalogue API: list, detail, quote and recommendations.

Anyone may read what is offered (anonymous callers see active products only; staff who may view
products can ask for other states with `?status=`). One API class per operation, each with its
own input and output serializers; every rule is in `products.services` / `products.selectors`.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub import clock, pagecache
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Invalid, NotFound
from loanhub.permissions import may
from loanhub.throttling import AnonOrUserRateThrottle
from products import choices as c
from products import hooks, selectors, services
from products.api import serializers as s
from products.api.callers import caller_segments
from products.models import Product
from products.quotes import Profile, grace_requested


class CatalogueApi(APIView):
    permission_classes = (AllowAny,)
    throttle_classes = (AnonOrUserRateThrottle,)


# Staff roles that read the catalogue (every role but Customer, see loanhub.roles) hold it.
VIEW_ALL_STATES = "products.view_productversion"


def _may_see_all(user) -> bool:
    """Versions in other states than active are shown to whoever holds the named permission."""
    return may(user, VIEW_ALL_STATES)


def _products(versions) -> list:
    return s.ProductOutputSerializer(versions, many=True, context={"on_date": clock.today()}).data


class ProductListApi(CatalogueApi):
    FilterSerializer = s.ProductListFilterSerializer

    @extend_schema(
        tags=["products"],
        summary="Products on offer (staff with product view rights may filter other states)",
        operation_id="products_list",
        parameters=[FilterSerializer],
        responses={200: s.ProductOutputSerializer(many=True), 400: FIELD_ERRORS},
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
        return Response(_products(versions))


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
            200: s.ProductOutputSerializer,
            404: detail_response("No product with this code"),
            409: detail_response("The product is suspended or retired: not offered"),
        },
    )
    def get(self, request, code: str):
        version = _offered(code)
        return Response(_products([version])[0])


class ProductQuoteApi(CatalogueApi):
    InputSerializer = s.ProductQuoteInputSerializer

    @extend_schema(
        tags=["products"],
        summary="Quote a product: the schedule, total cost and APR for an amount and term",
        request=InputSerializer,
        responses={
            200: s.QuoteOutputSerializer,
            400: FIELD_ERRORS,
            404: detail_response("No product with this code"),
            409: detail_response("The product is suspended or retired: not offered"),
        },
    )
    def post(self, request, code: str):
        serializer = self.InputSerializer(data=request.data)
        computed_in = name = None
        if serializer.is_valid():
            data = dict(serializer.validated_data)
            segments = caller_segments(request.user, explicit=data.pop("segment", None))
            name = _quote_name(code, data, segments)
            computed_in, body = pagecache.lookup(pagecache.CATALOGUE, name)
            if body is not None:
                hooks.quote_asked(user=request.user, cookies=request.COOKIES, product_code=code)
                return Response(body)
        version = _offered(code)  # an unknown or withdrawn product answers before the body
        if name is None:
            raise ValidationError(serializer.errors)
        grace = grace_requested(
            version, periods=data.pop("grace_periods", 0), grace_type=data.pop("grace_type", None)
        )
        quote = services.product_quote(version=version, segments=segments, grace=grace, **data)
        body = s.QuoteOutputSerializer(quote).data
        pagecache.keep(pagecache.CATALOGUE, name, body, computed_in=computed_in)
        hooks.quote_asked(user=request.user, cookies=request.COOKIES, product_code=code)
        return Response(body)


def _quote_name(code: str, data: dict, segments: tuple[str, ...]) -> str:
    """Where the answer to one quote request is kept: the same product, inputs, segments, date and
    language give the same quote to anyone (nothing of the caller but their segments, which many
    customers share, is in it), and the catalogue's generation (a publication, a withdrawal, a
    new benchmark rate) is checked with it (loanhub.pagecache.lookup)."""
    inputs = json.dumps(
        {**data, "code": code, "segments": segments, "today": clock.today(), "language": get_language()},
        sort_keys=True,
        default=str,
    )
    return f"quote:{hashlib.sha256(inputs.encode()).hexdigest()}"


class RecommendationsApi(CatalogueApi):
    InputSerializer = s.RecommendationsInputSerializer

    @extend_schema(
        tags=["products"],
        summary="Products ranked by estimated total cost for a customer profile, with reasons",
        parameters=[
            InputSerializer,
            OpenApiParameter("amount", str, required=True),
        ],
        responses={
            200: s.RecommendationsOutputSerializer,
            400: FIELD_ERRORS,
        },
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        personalised = data.pop("personalised", True)
        # A signed-in customer is priced with their own segments' promotions and waivers, and
        # ranked by marketing's recommender (their profile and history, or, without their consent
        # or by their choice, the catalogue's featured order); anyone else by the profile given.
        segments = caller_segments(request.user, explicit=data.pop("segment", None))
        profile = Profile(segments=segments, **data)
        versions = selectors.product_list_active()
        answer = services.recommendations_for(
            user=request.user, profile=profile, versions=versions, personalised=personalised
        )
        recommendations = answer.pop("recommendations")
        eligible = [r for r in recommendations if r.eligible]
        ranks = {r.version.pk: rank for rank, r in enumerate(eligible, 1)}
        body = {**answer, "eligible": eligible, "ineligible": [r for r in recommendations if not r.eligible]}
        return Response(s.RecommendationsOutputSerializer(body, context={"ranks": ranks}).data)
