"""Loans API: a customer's own loans (all loans for staff who may view them) and one loan with
its pinned schedule. Read-only; loans are opened by `applications` through `servicing.services`.

Money crosses the API as strings with two decimals, rates as fractions with six.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from loanhub.api_schema import detail_response
from loanhub.money import (
    apr_serializer_field,
    money_serializer_field,
)
from servicing import selectors
from servicing.models import Loan


class LoanListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    origin = serializers.CharField(
        source="origin_ref", read_only=True, help_text="e.g. the application A00000042"
    )
    product = serializers.CharField(source="product_version.product.code", read_only=True)
    product_version = serializers.IntegerField(source="product_version.version", read_only=True)
    status = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    principal = money_serializer_field(read_only=True)
    annual_rate = apr_serializer_field(read_only=True)
    apr = apr_serializer_field(read_only=True)
    term = serializers.IntegerField(read_only=True)
    frequency = serializers.CharField(read_only=True)
    method = serializers.CharField(read_only=True)
    start_date = serializers.DateField(read_only=True)
    maturity_date = serializers.DateField(read_only=True)
    total_payable = money_serializer_field(read_only=True)


class LoanPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LoanListItemSerializer(many=True)


class LoanInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    payment = money_serializer_field(read_only=True)
    principal = money_serializer_field(read_only=True)
    interest = money_serializer_field(read_only=True)
    fees = money_serializer_field(read_only=True)
    balance = money_serializer_field(read_only=True)


class LoanFeeSerializer(serializers.Serializer):
    """A fee as it was accepted at disbursement (the catalogue's shape)."""

    type = serializers.CharField()
    amount = serializers.CharField(allow_null=True, help_text="fixed fees: money, two decimals")
    rate = serializers.CharField(allow_null=True, help_text="*_percent fees: fraction of the principal")


class LoanGraceSerializer(serializers.Serializer):
    periods = serializers.IntegerField()
    type = serializers.CharField()


class LoanSummarySerializer(serializers.Serializer):
    total_principal = money_serializer_field(read_only=True, source="principal")
    total_interest = money_serializer_field(read_only=True)
    total_fees = money_serializer_field(read_only=True)
    upfront_fees = money_serializer_field(read_only=True)
    total_payable = money_serializer_field(read_only=True)
    net_proceeds = money_serializer_field(read_only=True)
    apr = apr_serializer_field(read_only=True)
    effective_annual_rate = apr_serializer_field(read_only=True)


class LoanDetailSerializer(LoanListItemSerializer):
    day_count = serializers.CharField(read_only=True)
    interest_free_periods = serializers.IntegerField(read_only=True)
    first_due_date = serializers.DateField(read_only=True)
    disbursed_at = serializers.DateTimeField(read_only=True)
    fees = serializers.SerializerMethodField()
    grace = serializers.SerializerMethodField()
    summary = LoanSummarySerializer(source="*", read_only=True)
    installments = LoanInstallmentSerializer(many=True, read_only=True)

    @extend_schema_field(LoanFeeSerializer(many=True))
    def get_fees(self, loan: Loan) -> list[dict]:
        return [
            {"type": fee.get("type"), "amount": fee.get("amount"), "rate": fee.get("rate")}
            for fee in loan.fees
        ]

    @extend_schema_field(LoanGraceSerializer(allow_null=True))
    def get_grace(self, loan: Loan) -> dict | None:
        if not loan.grace or not loan.grace.get("periods"):
            return None
        return {"periods": loan.grace["periods"], "type": loan.grace.get("type", "interest_only")}


class LoanPagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100


class LoanApi(APIView):
    """Authenticated callers only (the default permission); visibility is the selector's."""

    throttle_classes = (UserRateThrottle,)


class LoanListApi(LoanApi):
    @extend_schema(
        tags=["loans"],
        summary="Your loans (every loan for staff who may view loans), newest first",
        operation_id="loans_list",
        parameters=[
            OpenApiParameter("limit", int, description="page size, at most 100 (default 20)"),
            OpenApiParameter("offset", int, description="rows to skip"),
        ],
        responses={200: LoanPageSerializer},
    )
    def get(self, request):
        paginator = LoanPagination()
        page = paginator.paginate_queryset(selectors.loans_for_actor(request.user), request, view=self)
        return paginator.get_paginated_response(LoanListItemSerializer(page, many=True).data)


class LoanDetailApi(LoanApi):
    @extend_schema(
        tags=["loans"],
        summary="One loan with its pinned repayment schedule and cost summary",
        operation_id="loans_retrieve",
        responses={200: LoanDetailSerializer, 404: detail_response("No such loan visible")},
    )
    def get(self, request, loan_id: int):
        try:
            loan = selectors.loan_get_for_actor(loan_id=loan_id, actor=request.user)
        except Loan.DoesNotExist:
            raise NotFound() from None
        return Response(LoanDetailSerializer(loan).data)
