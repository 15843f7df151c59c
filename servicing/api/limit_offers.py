"""Limit offers API (limits that grow with good history): the caller's own approved offers still
open: credit limit increases already applied to their line, and pre-approved top-up loans. Only
the customer's own offers, for staff too (officers work the queue in the admin console)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from loanhub.money import money_serializer_field
from servicing import limits
from servicing.api.loans import LoanApi


class LimitOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="limit_increase or top_up")
    month = serializers.DateField(read_only=True, help_text="first day of the month it was proposed for")
    currency = serializers.CharField(read_only=True)
    credit_line = serializers.CharField(
        source="credit_line.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="limit increases: the line",
    )
    previous_limit = money_serializer_field(
        source="current_limit", read_only=True, allow_null=True, help_text="limit increases: the limit before"
    )
    new_limit = serializers.SerializerMethodField(help_text="limit increases: the limit now")
    top_up_amount = serializers.SerializerMethodField(help_text="top-ups: the amount pre-approved")
    loan = serializers.CharField(
        source="loan.number", read_only=True, allow_null=True, default=None, help_text="top-ups: the loan"
    )
    product = serializers.CharField(
        source="loan.product_version.product.code", read_only=True, allow_null=True, default=None
    )
    valid_until = serializers.DateField(source="expires_on", read_only=True)
    apply_url = serializers.SerializerMethodField(
        help_text="top-ups: the application wizard with the product and the amount filled in"
    )

    def get_new_limit(self, offer) -> str | None:
        return str(offer.proposed_amount) if offer.kind == "limit_increase" else None

    def get_top_up_amount(self, offer) -> str | None:
        return str(offer.proposed_amount) if offer.kind == "top_up" else None

    def get_apply_url(self, offer) -> str | None:
        return limits.limit_offer_apply_url(offer)


class LimitOfferListApi(LoanApi):
    @extend_schema(
        tags=["limit-offers"],
        summary="Your limit increases and pre-approved top-up offers still open, newest first",
        operation_id="limit_offers_list",
        description=(
            "The caller's own approved offers, still open (at most 50): limit increases (already "
            "applied to the credit line) and pre-approved top-up loans. Staff get their own too "
            "(none); officers decide proposals in the admin console."
        ),
        responses={200: LimitOfferSerializer(many=True)},
    )
    def get(self, request):
        offers = limits.limit_offers_of_user(request.user)[:50]
        return Response(LimitOfferSerializer(offers, many=True).data)
