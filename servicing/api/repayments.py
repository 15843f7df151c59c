"""Repayments API: a loan's repayments, posting one (the owner or a Loan Officer) and reversing one
(a Loan Officer). Every rule is `servicing.repayments`': the allocation, the checks of amount and
value date (400 by field), a loan that takes no payments (409), reversing twice (409).

Posting and reversing take an `Idempotency-Key` (`loanhub.idempotency`): a repeat with the same
key answers the first answer again and posts nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden, NotFound
from loanhub.idempotency import HEADER, idempotent
from loanhub.permissions import may
from servicing import repayments, selectors
from servicing.api.loans import NOT_VISIBLE, LoanApi, loan_for
from servicing.api.serializers import (
    RepaymentInputSerializer,
    RepaymentPageSerializer,
    RepaymentSerializer,
    ReverseInputSerializer,
)
from servicing.choices import RepaymentChannel
from servicing.models import Repayment

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeats with the same key return the first answer without posting again.",
)
ERRORS = {
    400: FIELD_ERRORS,
    403: detail_response("Not allowed for the caller's role."),
    409: detail_response("Not allowed in the current state (a closed loan, a reversed repayment)."),
    422: detail_response("Idempotency-Key reused for a different request."),
}


class RepaymentPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


@extend_schema_view(
    get=extend_schema(
        tags=["repayments"],
        summary="The loan's repayments, reversed ones included, latest value date first",
        operation_id="loans_repayments_list",
        parameters=[
            OpenApiParameter("limit", int, description="page size, at most 200 (default 50)"),
            OpenApiParameter("offset", int, description="rows to skip"),
        ],
        responses={200: RepaymentPageSerializer, 404: NOT_VISIBLE},
    ),
    post=extend_schema(
        tags=["repayments"],
        summary="Record a payment for the loan (its owner or a Loan Officer) and allocate it",
        operation_id="loans_repayments_create",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=RepaymentInputSerializer,
        responses={201: RepaymentSerializer, **ERRORS, 404: NOT_VISIBLE},
    ),
)
class LoanRepaymentsApi(LoanApi):
    def get(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        paginator = RepaymentPagination()
        page = paginator.paginate_queryset(selectors.repayments_of_loan(loan=loan), request, view=self)
        return paginator.get_paginated_response(RepaymentSerializer(page, many=True).data)

    def post(self, request, loan_id: int):
        def handler() -> Response:
            loan = loan_for(request, loan_id)
            repayments.repayment_check_actor(request.user, loan)  # the right before the body
            body = RepaymentInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            repayment = repayments.repayment_post(
                loan=loan,
                amount=body.validated_data["amount"],
                value_date=body.validated_data.get("value_date"),
                reference=body.validated_data.get("reference", ""),
                channel=RepaymentChannel.API,
                actor=request.user,
            )
            return Response(RepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED)

        return idempotent(request, handler)


@extend_schema_view(
    post=extend_schema(
        tags=["repayments"],
        summary="Reverse a repayment (a bounced debit): the loan is replayed without it (Loan Officer)",
        operation_id="repayments_reverse",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ReverseInputSerializer,
        responses={
            200: RepaymentSerializer,
            **ERRORS,
            404: detail_response("No such repayment, or not one the caller may see."),
        },
    )
)
class RepaymentReverseApi(LoanApi):
    def post(self, request, repayment_id: int):
        def handler() -> Response:
            try:
                repayment = selectors.repayment_get_for_actor(repayment_id=repayment_id, actor=request.user)
            except Repayment.DoesNotExist:
                raise NotFound(_("No such repayment.")) from None
            # The owner sees their repayment but may not reverse it: a 403 whatever the body.
            if not may(request.user, "servicing.change_repayment"):
                raise Forbidden(_("You may not reverse payments."))
            body = ReverseInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            reversed_row = repayments.repayment_reverse(
                repayment=repayment, reason=body.validated_data["reason"], actor=request.user
            )
            return Response(RepaymentSerializer(reversed_row).data)

        return idempotent(request, handler)
