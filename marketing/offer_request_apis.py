"""API of a campaign's offer request: the marketing manager drafts it, a product manager takes it
into a new product version (then reviewed and approved as every version is) or declines it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden
from loanhub.permissions import may
from marketing import offer_requests
from marketing.apis import FORBIDDEN, NOT_FOUND, MarketingApi, object_or_not_found
from marketing.models import Campaign, OfferRequest
from products.choices import PromotionKind

CONFLICT = detail_response("The campaign or the request is not in a state that allows this.")


class OfferRequestInputSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=32)
    kind = serializers.ChoiceField(choices=PromotionKind.choices)
    discount_bps = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    interest_free_periods = serializers.IntegerField(min_value=0, max_value=12, required=False, default=0)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    name_zh = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    name_en = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class OfferRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    product = serializers.CharField(source="product_code")
    code = serializers.CharField()
    kind = serializers.CharField()
    discount_bps = serializers.IntegerField()
    interest_free_periods = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = serializers.CharField()
    status = serializers.SerializerMethodField(
        help_text="requested, declined, or the drafted product version's status (live when active)"
    )
    version = serializers.IntegerField(source="version_id", allow_null=True)
    response = serializers.CharField()

    def get_status(self, obj) -> str:
        return offer_requests.offer_request_status(obj)


class DeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CampaignOfferRequestApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_campaigns_offer_request",
        request=OfferRequestInputSerializer,
        responses={
            201: OfferRequestOutputSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        summary="Draft the campaign's offer (an invited:<code> promotion) for a product manager to take "
        "into a new product version (Marketing Manager)",
    )
    def post(self, request, pk: int):
        if not may(request.user, "marketing.change_campaign"):
            raise Forbidden(_("Your role may not change campaigns."))
        campaign = object_or_not_found(Campaign, pk)
        serializer = OfferRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        offer_request = offer_requests.campaign_offer_request(
            campaign=campaign, actor=request.user, product_code=data.pop("product"), **data
        )
        return Response(OfferRequestOutputSerializer(offer_request).data, status=status.HTTP_201_CREATED)


class ProductManagerApi(APIView):
    """Product managers only (they handle what reaches the catalogue)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        from products.services import can_manage

        if not can_manage(request.user):
            raise Forbidden(_("Only a product manager handles offer requests."))


class OfferRequestTakeApi(ProductManagerApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_offer_requests_take",
        request=None,
        responses={200: OfferRequestOutputSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        summary="Take the offer into a new draft version of the product (then submitted and approved "
        "by a second reviewer, as every version)",
    )
    def post(self, request, pk: int):
        offer_request = object_or_not_found(OfferRequest, pk)
        offer_requests.campaign_offer_request_take(request=offer_request, actor=request.user)
        offer_request.refresh_from_db()
        return Response(OfferRequestOutputSerializer(offer_request).data)


class OfferRequestDeclineApi(ProductManagerApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_offer_requests_decline",
        request=DeclineInputSerializer,
        responses={200: OfferRequestOutputSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="Turn the offer request down, saying why",
    )
    def post(self, request, pk: int):
        offer_request = object_or_not_found(OfferRequest, pk)
        serializer = DeclineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer_request = offer_requests.campaign_offer_request_decline(
            request=offer_request, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(OfferRequestOutputSerializer(offer_request).data)
