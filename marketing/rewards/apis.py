"""The rewards API: the caller's own points and referral code, and entering a referral code.

One API class per operation; errors go through the one exception handler (loanhub.errors).
Only customers have points: anyone without a customer profile (staff) gets 404.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors as customer_selectors
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import NotFound
from marketing.rewards import selectors, services

NOT_FOUND = detail_response("You have no customer profile (staff accounts have no points).")


def _own_customer(request):
    customer = customer_selectors.customer_for_user(request.user)
    if customer is None:
        raise NotFound(_("You have no customer profile yet."))
    return customer


def referral_link(request, code: str) -> str:
    return request.build_absolute_uri(f"{reverse('rewards:page')}?{urlencode({'code': code})}")


class ExpiringSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    expires_on = serializers.DateField()


class HistorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    points = serializers.IntegerField()
    expires_on = serializers.DateField(allow_null=True)


class RedemptionSerializer(serializers.Serializer):
    points_per_bp = serializers.IntegerField(
        help_text="Points that buy 1 basis point (0.01 %) of rate discount."
    )
    max_discount_bps = serializers.IntegerField(help_text="The largest discount one offer may get.")


class RewardsMeOutputSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="May be negative after a reversal of spent points.")
    available = serializers.IntegerField(help_text="What may be redeemed today.")
    expiring = ExpiringSerializer(many=True)
    history = HistorySerializer(many=True)
    referral_code = serializers.CharField()
    referral_link = serializers.CharField()
    referrals = serializers.IntegerField()
    referrals_rewarded = serializers.IntegerField()
    redemption = RedemptionSerializer()


class ReferralInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)


class ReferralOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    created_at = serializers.DateTimeField()


class RewardsMeApi(APIView):
    """The caller's reward points."""

    @extend_schema(
        tags=["rewards"],
        operation_id="rewards_me_retrieve",
        responses={200: RewardsMeOutputSerializer, 404: NOT_FOUND},
        summary="Your points: balance, expiring soon, history, referral code",
    )
    def get(self, request):
        customer = _own_customer(request)
        summary = selectors.rewards_summary(customer=customer)
        summary["referral_link"] = referral_link(request, summary["referral_code"])
        return Response(RewardsMeOutputSerializer(summary).data)


class RewardsReferralApi(APIView):
    """Enter the referral code of the customer who referred you (once, before your first loan)."""

    @extend_schema(
        tags=["rewards"],
        operation_id="rewards_me_referral_create",
        request=ReferralInputSerializer,
        responses={
            201: ReferralOutputSerializer,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
            409: detail_response("You have already entered a referral code."),
        },
        summary="Enter a referral code",
    )
    def post(self, request):
        _own_customer(request)
        data = ReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_claim(actor=request.user, code=data.validated_data["code"])
        return Response(
            ReferralOutputSerializer({"code": referral.code, "created_at": referral.created_at}).data,
            status=status.HTTP_201_CREATED,
        )
