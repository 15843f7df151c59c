"""Prepayment and deferral API (issue 14). Every rule is the services' (`servicing.prepayments`,
`servicing.deferrals`): field-level 400s, 404 for a loan the caller may not see, 403 for a role
without the right, 409 for a state that does not allow it.

`prepayments/` takes a required `Idempotency-Key`, kept with the prepayment itself: the same key
and body again answer the first posting (no second post); the same key with another body is 409.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden, Invalid
from loanhub.idempotency import HEADER, MAX_KEY_LENGTH
from loanhub.transitions import json_safe
from servicing import deferrals, prepayments, repayments
from servicing.api.loans import NOT_VISIBLE, LoanApi, loan_for
from servicing.api.serializers import (
    LoanDeferralDecisionSerializer,
    LoanDeferralInputSerializer,
    LoanDeferralSerializer,
    LoanPrepaymentInputSerializer,
    LoanPrepaymentQuoteSerializer,
    LoanPrepaymentSerializer,
)
from servicing.choices import RepaymentChannel

TAGS = ["schedule-changes"]
KEYED_ERRORS = {
    422: detail_response("Idempotency-Key reused for a different request."),
}
ERRORS = {
    400: FIELD_ERRORS,
    403: detail_response("Not allowed for the caller's role."),
    404: NOT_VISIBLE,
    409: detail_response("Not allowed in the current state (a closed or overdue loan, a decided change)."),
}
KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Required. The same key and body again return the first posting; another body is 422.",
)


def _body(request, serializer_class):
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class PrepaymentQuoteApi(LoanApi):
    @extend_schema(
        tags=TAGS,
        summary="Quote a prepayment: fee, interest saved, new schedule (nothing is posted)",
        operation_id="loans_prepayment_quote",
        request=LoanPrepaymentInputSerializer,
        responses={200: LoanPrepaymentQuoteSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        repayments.repayment_check_actor(request.user, loan)  # the right before the body
        data = _body(request, LoanPrepaymentInputSerializer)
        quote = prepayments.prepayment_quote(
            loan=loan, amount=data["amount"], mode=data.get("mode"), value_date=data.get("value_date")
        )
        return Response(LoanPrepaymentQuoteSerializer(json_safe(quote)).data)


class PrepaymentsApi(LoanApi):
    @extend_schema(
        tags=TAGS,
        summary="Prepay as quoted (or pay off: the loan closes); 201 with the posting",
        operation_id="loans_prepayments_create",
        parameters=[KEY_PARAMETER],
        request=LoanPrepaymentInputSerializer,
        responses={201: LoanPrepaymentSerializer, **ERRORS, **KEYED_ERRORS},
    )
    def post(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        repayments.repayment_check_actor(request.user, loan)
        data = _body(request, LoanPrepaymentInputSerializer)
        key = (request.headers.get(HEADER) or "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise Invalid({HEADER: [_("Send an Idempotency-Key header (at most 255 characters).")]})
        fingerprint = hashlib.sha256(json.dumps(json_safe(dict(data)), sort_keys=True).encode()).hexdigest()
        before = loan.schedule_changes.filter(idempotency_key=key).exists()
        change = prepayments.prepayment_post(
            loan=loan,
            amount=data["amount"],
            mode=data.get("mode"),
            value_date=data.get("value_date"),
            actor=request.user,
            idempotency_key=key,
            request_hash=fingerprint,
            channel=RepaymentChannel.API,
        )
        change.loan.refresh_from_db(fields=["status"])
        response = Response(LoanPrepaymentSerializer(change).data, status=status.HTTP_201_CREATED)
        if before:
            response["Idempotent-Replayed"] = "true"
        return response


class DeferralsApi(LoanApi):
    @extend_schema(
        tags=TAGS,
        summary="Ask to defer the next installments: a pending change with the new schedule",
        operation_id="loans_deferrals_create",
        request=LoanDeferralInputSerializer,
        responses={201: LoanDeferralSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        if not deferrals.may_request(request.user, loan):
            raise Forbidden(_("You may not ask for a deferral of this loan."))
        data = _body(request, LoanDeferralInputSerializer)
        change = deferrals.deferral_request(
            loan=loan, installments=data["installments"], reason=data["reason"], actor=request.user
        )
        return Response(LoanDeferralSerializer(change).data, status=status.HTTP_201_CREATED)


class DeferralDecideApi(LoanApi):
    action = "approve"

    def post(self, request, loan_id: int, change_id: int):
        loan_for(request, loan_id)  # 404 for a loan the caller may not see
        if not deferrals.may_decide(request.user):
            raise Forbidden(_("You may not decide deferrals."))
        data = _body(request, LoanDeferralDecisionSerializer)
        if self.action == "approve":
            change = deferrals.deferral_approve(change_id=change_id, loan_id=loan_id, actor=request.user)
        else:
            change = deferrals.deferral_reject(
                change_id=change_id, loan_id=loan_id, actor=request.user, reason=data["reason"]
            )
        return Response(LoanDeferralSerializer(change).data)


class DeferralApproveApi(DeferralDecideApi):
    action = "approve"

    @extend_schema(
        tags=TAGS,
        summary="Approve a deferral (an officer; two different officers above the configured amount)",
        operation_id="loans_deferrals_approve",
        request=LoanDeferralDecisionSerializer,
        responses={200: LoanDeferralSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int, change_id: int):
        return super().post(request, loan_id, change_id)


class DeferralRejectApi(DeferralDecideApi):
    action = "reject"

    @extend_schema(
        tags=TAGS,
        summary="Reject a deferral (an officer other than the requester)",
        operation_id="loans_deferrals_reject",
        request=LoanDeferralDecisionSerializer,
        responses={200: LoanDeferralSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int, change_id: int):
        return super().post(request, loan_id, change_id)
