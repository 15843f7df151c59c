"""Credit lines API (随借随还): a customer's own lines (every line for staff who may view them), one
line with its position, and drawing on and repaying it. Every rule is `servicing.lines`': the
available limit (a draw above it is a 400 naming `amount`), what is owed, a line that takes no
draws (frozen, closed or overdue: 409).

Draws and repayments take an `Idempotency-Key` (`loanhub.idempotency`): a repeat with the same
key answers the first answer again and moves no money.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from loanhub.api_schema import detail_response
from loanhub.idempotency import idempotent
from loanhub.money import money_serializer_field, rate_serializer_field
from servicing import lines
from servicing.api.loans import LoanApi
from servicing.api.repayments import ERRORS, IDEMPOTENCY_PARAMETER
from servicing.choices import RepaymentChannel

NOT_VISIBLE = detail_response("No such credit line, or not one the caller may see.")


class CreditLinePenaltySerializer(serializers.Serializer):
    """Penalty interest (罚息) on the line's overdue minimum."""

    annual_rate = rate_serializer_field(
        source="penalty_rate",
        read_only=True,
        help_text="a fraction: contract rate x the product's multiplier",
    )
    compound = serializers.BooleanField(
        source="compound_penalty", read_only=True, help_text="overdue interest bears penalty too"
    )
    grace_days = serializers.IntegerField(
        source="overdue_grace_days",
        read_only=True,
        help_text="days after the due date a minimum may be paid without penalty or days past due",
    )
    overdue_amount = money_serializer_field(read_only=True, help_text="the unpaid minimum bearing penalty")
    accrued = money_serializer_field(
        source="penalty_charged", read_only=True, help_text="penalty interest charged to date"
    )
    outstanding = money_serializer_field(
        source="penalty_due", read_only=True, help_text="penalty interest not yet paid (paid first)"
    )


class CreditLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    origin = serializers.CharField(source="origin_ref", read_only=True)
    product = serializers.CharField(source="product_version.product.code", read_only=True)
    status = serializers.CharField(read_only=True, help_text="active, frozen or closed")
    currency = serializers.CharField(read_only=True)
    limit = money_serializer_field(source="credit_limit", read_only=True)
    drawn = money_serializer_field(source="principal", read_only=True)
    available = money_serializer_field(read_only=True)
    annual_rate = rate_serializer_field(read_only=True)
    day_count = serializers.CharField(read_only=True)
    interest_due = money_serializer_field(read_only=True)
    accrued_interest = money_serializer_field(read_only=True)
    payoff_amount = money_serializer_field(
        read_only=True, help_text="principal + interest due and accrued + penalty interest"
    )
    minimum_due = money_serializer_field(read_only=True)
    due_date = serializers.DateField(read_only=True, allow_null=True)
    days_past_due = serializers.IntegerField(read_only=True)
    classification = serializers.CharField(read_only=True)
    penalty = CreditLinePenaltySerializer(source="*", read_only=True)
    ifrs9_stage = serializers.IntegerField(read_only=True)
    non_accrual = serializers.BooleanField(
        read_only=True, help_text="90+ days past due: unpaid interest and penalty held in suspense"
    )
    opened_on = serializers.DateField(read_only=True)
    position_date = serializers.DateField(read_only=True)


class CreditLinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CreditLineSerializer(many=True)


class CreditLineAmountSerializer(serializers.Serializer):
    # Unbounded here so that the service's own messages (zero, negative, sub-cent, too large,
    # above the available limit) answer every amount, the same as on the portal.
    amount = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="yuan, more than zero, at most two decimals"
    )


class CreditLineTransactionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="draw or repayment")
    amount = money_serializer_field(read_only=True)
    value_date = serializers.DateField(read_only=True)
    penalty = money_serializer_field(
        read_only=True, help_text="penalty interest paid (repayments: paid first)"
    )
    interest = money_serializer_field(read_only=True, help_text="interest paid (repayments)")
    principal = money_serializer_field(read_only=True)
    credit_line = serializers.SerializerMethodField()

    def get_credit_line(self, tx) -> dict:
        return CreditLineSerializer(tx.credit_line).data


class CreditLinePagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100


class CreditLineListApi(LoanApi):
    @extend_schema(
        tags=["credit-lines"],
        summary="Your credit lines (every line for staff who may view them), newest first",
        operation_id="credit_lines_list",
        parameters=[
            OpenApiParameter("limit", int, description="page size, at most 100 (default 20)"),
            OpenApiParameter("offset", int, description="rows to skip"),
        ],
        responses={200: CreditLinePageSerializer},
    )
    def get(self, request):
        paginator = CreditLinePagination()
        page = paginator.paginate_queryset(lines.credit_lines_for_actor(request.user), request, view=self)
        return paginator.get_paginated_response(CreditLineSerializer(page, many=True).data)


class CreditLineDetailApi(LoanApi):
    @extend_schema(
        tags=["credit-lines"],
        summary="One credit line: limit, drawn, available, interest, minimum due, days past due",
        operation_id="credit_lines_retrieve",
        responses={200: CreditLineSerializer, 404: NOT_VISIBLE},
    )
    def get(self, request, line_id: int):
        return Response(
            CreditLineSerializer(lines.credit_line_get_for_actor(line_id=line_id, actor=request.user)).data
        )


class _MoveApi(LoanApi):
    service = staticmethod(lines.credit_line_draw)
    draw = True

    def post(self, request, line_id: int):
        def handler() -> Response:
            line = lines.credit_line_get_for_actor(line_id=line_id, actor=request.user)
            lines.credit_line_check_actor(request.user, line, draw=self.draw)  # the right before the body
            body = CreditLineAmountSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            tx = self.service(
                line=line,
                amount=body.validated_data["amount"],
                actor=request.user,
                channel=RepaymentChannel.API,
            )
            return Response(CreditLineTransactionSerializer(tx).data, status=status.HTTP_201_CREATED)

        return idempotent(request, handler)


class CreditLineDrawApi(_MoveApi):
    service = staticmethod(lines.credit_line_draw)

    @extend_schema(
        tags=["credit-lines"],
        summary="Draw an amount up to the available limit (paid out today, interest from today)",
        operation_id="credit_lines_draw",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CreditLineAmountSerializer,
        responses={201: CreditLineTransactionSerializer, **ERRORS, 404: NOT_VISIBLE},
    )
    def post(self, request, line_id: int):
        return super().post(request, line_id)


class CreditLineRepayApi(_MoveApi):
    service = staticmethod(lines.credit_line_repay)
    draw = False

    @extend_schema(
        tags=["credit-lines"],
        summary=(
            "Repay: penalty interest first, then interest, then principal, which is available to"
            " draw again at once"
        ),
        operation_id="credit_lines_repay",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CreditLineAmountSerializer,
        responses={201: CreditLineTransactionSerializer, **ERRORS, 404: NOT_VISIBLE},
    )
    def post(self, request, line_id: int):
        return super().post(request, line_id)
