"""Restructuring, write-off and recovery API (issue 14), officers only. Every rule is the services'
(`servicing.restructuring`, `servicing.write_offs`): field-level 400s, 404 for a loan the caller
may not see, 403 for a role without the right (customers included) or the maker deciding their own
request, 409 for a state that does not allow it.

`recoveries/` takes a required `Idempotency-Key`, kept with the recovery: the same key and body
again answer the first recovery (no second posting); the same key with another body is 422.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from loanhub.errors import Forbidden, Invalid
from loanhub.idempotency import HEADER, MAX_KEY_LENGTH
from loanhub.transitions import json_safe
from servicing import restructuring, write_offs
from servicing.api.loans import LoanApi, loan_for
from servicing.api.schedule_changes import ERRORS, KEY_PARAMETER, KEYED_ERRORS, _body
from servicing.api.serializers import (
    LoanDeferralDecisionSerializer,
    LoanRecoveryInputSerializer,
    LoanRecoverySerializer,
    LoanRestructuringInputSerializer,
    LoanRestructuringSerializer,
    LoanWriteOffInputSerializer,
    LoanWriteOffSerializer,
)

TAGS = ["schedule-changes"]


class RestructuringsApi(LoanApi):
    @extend_schema(
        tags=TAGS,
        summary="Ask to restructure a loan (an officer): a pending change with the new schedule",
        operation_id="loans_restructurings_create",
        request=LoanRestructuringInputSerializer,
        responses={201: LoanRestructuringSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        if not restructuring.may_request(request.user):
            raise Forbidden(_("You may not restructure loans."))
        data = _body(request, LoanRestructuringInputSerializer)
        change = restructuring.restructuring_request(
            loan=loan,
            term=data.get("term_months"),
            annual_rate=data.get("annual_rate"),
            reason=data["reason"],
            actor=request.user,
        )
        return Response(LoanRestructuringSerializer(change).data, status=status.HTTP_201_CREATED)


class _Decide(LoanApi):
    action = "approve"
    service = restructuring
    serializer = LoanRestructuringSerializer
    refused = ""

    def decide(self, request, loan_id: int, change_id: int):
        loan_for(request, loan_id)  # 404 for a loan the caller may not see
        if not self.service.may_decide(request.user):
            raise Forbidden(self.refused)
        data = _body(request, LoanDeferralDecisionSerializer)
        change = self.call(request.user, loan_id, change_id, data["reason"])
        return Response(self.serializer(change).data)


class RestructuringApproveApi(_Decide):
    @extend_schema(
        tags=TAGS,
        summary="Approve a restructuring (an officer other than the requester): the new schedule applies",
        operation_id="loans_restructurings_approve",
        request=LoanDeferralDecisionSerializer,
        responses={200: LoanRestructuringSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int, change_id: int):
        self.refused = _("You may not decide restructurings.")
        return self.decide(request, loan_id, change_id)

    def call(self, actor, loan_id, change_id, reason):
        return restructuring.restructuring_approve(change_id=change_id, loan_id=loan_id, actor=actor)


class RestructuringRejectApi(_Decide):
    @extend_schema(
        tags=TAGS,
        summary="Reject a restructuring (an officer other than the requester)",
        operation_id="loans_restructurings_reject",
        request=LoanDeferralDecisionSerializer,
        responses={200: LoanRestructuringSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int, change_id: int):
        self.refused = _("You may not decide restructurings.")
        return self.decide(request, loan_id, change_id)

    def call(self, actor, loan_id, change_id, reason):
        return restructuring.restructuring_reject(
            change_id=change_id, loan_id=loan_id, actor=actor, reason=reason
        )


class WriteOffsApi(LoanApi):
    @extend_schema(
        tags=TAGS,
        summary="Ask to write a loss-classified loan off (an officer): a pending change",
        operation_id="loans_write_offs_create",
        request=LoanWriteOffInputSerializer,
        responses={201: LoanWriteOffSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        if not write_offs.may_request(request.user):
            raise Forbidden(_("You may not write loans off."))
        data = _body(request, LoanWriteOffInputSerializer)
        change = write_offs.write_off_request(loan=loan, reason=data["reason"], actor=request.user)
        return Response(LoanWriteOffSerializer(change).data, status=status.HTTP_201_CREATED)


class WriteOffApproveApi(_Decide):
    service = write_offs
    serializer = LoanWriteOffSerializer

    @extend_schema(
        tags=TAGS,
        summary="Approve a write-off (an officer other than the requester): posted against the reserve",
        operation_id="loans_write_offs_approve",
        request=LoanDeferralDecisionSerializer,
        responses={200: LoanWriteOffSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int, change_id: int):
        self.refused = _("You may not decide write-offs.")
        return self.decide(request, loan_id, change_id)

    def call(self, actor, loan_id, change_id, reason):
        return write_offs.write_off_approve(change_id=change_id, loan_id=loan_id, actor=actor)


class WriteOffRejectApi(_Decide):
    service = write_offs
    serializer = LoanWriteOffSerializer

    @extend_schema(
        tags=TAGS,
        summary="Reject a write-off (an officer other than the requester)",
        operation_id="loans_write_offs_reject",
        request=LoanDeferralDecisionSerializer,
        responses={200: LoanWriteOffSerializer, **ERRORS},
    )
    def post(self, request, loan_id: int, change_id: int):
        self.refused = _("You may not decide write-offs.")
        return self.decide(request, loan_id, change_id)

    def call(self, actor, loan_id, change_id, reason):
        return write_offs.write_off_reject(change_id=change_id, loan_id=loan_id, actor=actor, reason=reason)


class RecoveriesApi(LoanApi):
    @extend_schema(
        tags=TAGS,
        summary="Record money recovered for a written-off loan (recovery income); 201 with the posting",
        operation_id="loans_recoveries_create",
        parameters=[KEY_PARAMETER],
        request=LoanRecoveryInputSerializer,
        responses={201: LoanRecoverySerializer, **ERRORS, **KEYED_ERRORS},
    )
    def post(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        if not write_offs.may_recover(request.user):
            raise Forbidden(_("You may not record recoveries."))
        data = _body(request, LoanRecoveryInputSerializer)
        key = (request.headers.get(HEADER) or "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise Invalid({HEADER: [_("Send an Idempotency-Key header (at most 255 characters).")]})
        fingerprint = hashlib.sha256(json.dumps(json_safe(dict(data)), sort_keys=True).encode()).hexdigest()
        before = loan.recoveries.filter(idempotency_key=key).exists()
        recovery = write_offs.recovery_post(
            loan=loan,
            amount=data["amount"],
            value_date=data.get("value_date"),
            actor=request.user,
            idempotency_key=key,
            request_hash=fingerprint,
        )
        response = Response(LoanRecoverySerializer(recovery).data, status=status.HTTP_201_CREATED)
        if before:
            response["Idempotent-Replayed"] = "true"
        return response
