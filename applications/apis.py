"""The applications API: drafts, the transitions, the officers' queue.

One API class per operation, each with its own input serializer; every rule is in
`applications.services` / `applications.selectors`. Errors: 400 field errors, 403 role, 404 an
application the caller may not see, 409 for an action the current state does not allow (with
`state`), 422 an Idempotency-Key reused for a different request: all in the one error body of
`loanhub.errors`, answered by its exception handler.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from applications import features as f
from applications import permissions as perms
from applications import selectors, services
from applications.apis_business import RATING, rating_summary
from applications.models import LoanApplication, State
from applications.services.drafts import UTM_KEYS, UTM_VALUE_MAX_LENGTH
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Invalid
from loanhub.formatting import money_text
from loanhub.idempotency import HEADER, idempotent
from loanhub.money import money_serializer_field
from loanhub.text import text_serializer_field
from products.choices import Channel, Frequency, GraceType, RepaymentMethod

# --- Output ---------------------------------------------------------------------------------------
STATED_FIELDS = (*f.APPLICANT_STATED, "purpose")


def application_payload(
    application: LoanApplication, *, user, detail: bool = True, events: list | None = None
) -> dict:
    """The API's view of an application (lists leave out the decision and the timeline). Its owner
    sees the customer's view, whatever else they are (staff never act as a customer), and asking
    nothing of the roles spares a customer's every read and draft the two permission queries.
    `events`: the timeline when the caller holds it already (a draft just created), else read."""
    staff = not perms.is_owner(user, application) and perms.may_view_all(user)
    version = application.product_version
    data = {
        "id": application.pk,
        "reference": str(application),
        "state": application.state,
        "state_changed_at": application.state_changed_at,
        "customer": application.customer_id,
        "product": version.product.code,
        "product_version": version.version,
        "amount": money_text(application.amount),
        "term": application.term,
        "method": application.method,
        "frequency": application.frequency,
        "grace_periods": application.grace_periods,
        "grace_type": application.grace_type,
        "segments": application.segments,
        "purpose": application.purpose,
        "channel": application.channel,
        "campaign": application.campaign,
        "utm": application.utm,
        "referral_code": application.referral_code,
        "partner_code": application.partner_code,
        **{name: getattr(application, name) for name in f.APPLICANT_STATED},
        "submitted_at": application.submitted_at,
        # Who works the file is internal: staff only.
        "assigned_officer": application.assigned_officer.get_username()
        if staff and application.assigned_officer_id
        else None,
        "offer_amount": money_text(application.offer_amount),
        "offer_expires_at": application.offer_expires_at,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }
    if not detail:
        return data
    data["decision"] = selectors.application_decision_summary(
        application=application, language=get_language() or "zh-hans", detailed=staff
    )
    data["offer"] = application.offer or None
    data["disclosure"] = application.disclosure or None
    data["pending_approval"] = (
        {
            "by": application.pending_approval_by.get_username(),
            "at": application.pending_approval_at,
            **application.pending_approval,
        }
        if staff and application.pending_approval_by_id
        else None
    )
    data["allowed_actions"] = selectors.application_allowed_actions(application=application, user=user)
    data["review"] = selectors.application_review_summary(application=application, staff=staff)
    data["rating"] = rating_summary(application, staff=staff)
    # Officers' and risk's notes are internal; the customer sees their own words only.
    data["events"] = [
        {
            "from_state": event.from_state,
            "to_state": event.to_state,
            "actor": event.actor.get_username()
            if event.actor_id and (staff or event.actor_id == user.pk)
            else None,
            "reason": event.reason if staff or event.actor_id == user.pk else "",
            "at": event.created_at,
            **({"payload": event.payload} if staff else {}),
        }
        for event in (selectors.application_events(application=application) if events is None else events)
    ]
    return data


def _respond(data, code: int = status.HTTP_200_OK) -> Response:
    # Rendered once through DRF's encoder, so a replayed answer is byte-for-byte the first one.
    return Response(json.loads(json.dumps(data, cls=JSONEncoder)), status=code)


# --- Schema pieces --------------------------------------------------------------------------------
EVENT = inline_serializer(
    name="ApplicationEventOut",
    fields={
        "from_state": serializers.CharField(),
        "to_state": serializers.CharField(),
        "actor": serializers.CharField(allow_null=True),
        "reason": serializers.CharField(),
        "at": serializers.DateTimeField(),
        "payload": serializers.JSONField(required=False),
    },
)
DECISION = inline_serializer(
    name="ApplicationDecisionOut",
    fields={
        "id": serializers.IntegerField(),
        "score": serializers.IntegerField(),
        "grade": serializers.CharField(),
        "outcome": serializers.CharField(),
        "reasons": serializers.ListField(child=serializers.DictField()),
        "max_amount": serializers.CharField(allow_null=True),
        "max_term": serializers.IntegerField(allow_null=True),
        "offer": serializers.JSONField(allow_null=True),
        "offer_expires_at": serializers.DateTimeField(allow_null=True),
        "decided_at": serializers.DateTimeField(),
    },
    allow_null=True,
)
_SUMMARY_FIELDS = {
    "id": serializers.IntegerField(),
    "reference": serializers.CharField(),
    "state": serializers.ChoiceField(choices=State.choices),
    "state_changed_at": serializers.DateTimeField(),
    "customer": serializers.IntegerField(),
    "product": serializers.CharField(),
    "product_version": serializers.IntegerField(),
    "amount": serializers.CharField(),
    "term": serializers.IntegerField(),
    "method": serializers.CharField(),
    "frequency": serializers.CharField(),
    "grace_periods": serializers.IntegerField(),
    "grace_type": serializers.CharField(),
    "segments": serializers.ListField(child=serializers.CharField()),
    "purpose": serializers.CharField(),
    "channel": serializers.CharField(),
    "campaign": serializers.CharField(),
    "utm": serializers.JSONField(),
    "referral_code": serializers.CharField(),
    "partner_code": serializers.CharField(help_text="The partner channel applied through (at submission)."),
    **{name: serializers.CharField() for name in f.APPLICANT_STATED},
    "submitted_at": serializers.DateTimeField(allow_null=True),
    "assigned_officer": serializers.CharField(allow_null=True),
    "offer_amount": serializers.CharField(allow_null=True),
    "offer_expires_at": serializers.DateTimeField(allow_null=True),
    "created_at": serializers.DateTimeField(),
    "updated_at": serializers.DateTimeField(),
}
APPLICATION_SUMMARY = inline_serializer(name="ApplicationSummaryOut", fields=_SUMMARY_FIELDS)
APPLICATION = inline_serializer(
    name="ApplicationOut",
    fields={
        **_SUMMARY_FIELDS,
        "decision": DECISION,
        "offer": serializers.JSONField(allow_null=True),
        "disclosure": serializers.JSONField(allow_null=True),
        "pending_approval": serializers.JSONField(allow_null=True),
        "allowed_actions": serializers.ListField(child=serializers.CharField()),
        "review": serializers.JSONField(allow_null=True, help_text="The latest human review, if any."),
        "rating": RATING,
        "events": EVENT.__class__(many=True),
    },
)
APPLICATION_PAGE = inline_serializer(
    name="ApplicationPageOut",
    fields={
        "count": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": APPLICATION_SUMMARY.__class__(many=True),
    },
)
CONFLICT = detail_response("Not allowed in the current state (or lost a race: who decided, and when).")
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeats with the same key return the first answer without acting again.",
)
ERRORS = {
    400: FIELD_ERRORS,
    403: detail_response("Not allowed for the caller's role."),
    404: detail_response("No such application, or not the caller's."),
    409: CONFLICT,
    422: detail_response("Idempotency-Key reused for a different request."),
}


# --- Input ----------------------------------------------------------------------------------------
def _stated_field(name: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=f.STATED_CHOICES[name], required=False, allow_blank=True)


class ApplicationInputSerializer(serializers.Serializer):
    product = text_serializer_field(
        max_length=32, help_text="Product code; the version offered now is pinned."
    )
    amount = money_serializer_field(min_value=0)
    term = serializers.IntegerField(min_value=1, max_value=600, help_text="Months.")
    method = serializers.ChoiceField(
        choices=RepaymentMethod.choices, required=False, help_text="Default: the product's own default."
    )
    frequency = serializers.ChoiceField(
        choices=Frequency.choices, required=False, help_text="Default: the product's own default."
    )
    grace_periods = serializers.IntegerField(
        min_value=0,
        max_value=120,
        required=False,
        help_text="Installments of grace (宽限期) asked for; 0: none.",
    )
    grace_type = serializers.ChoiceField(
        choices=GraceType.choices,
        required=False,
        allow_blank=True,
        help_text="Default: the product's first grace type.",
    )
    purpose = _stated_field("purpose")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    campaign = text_serializer_field(max_length=100, required=False, allow_blank=True)
    utm = serializers.DictField(
        child=text_serializer_field(max_length=UTM_VALUE_MAX_LENGTH),
        required=False,
        help_text=f"At most these keys: {', '.join(UTM_KEYS)}.",
    )
    referral_code = text_serializer_field(max_length=64, required=False, allow_blank=True)
    checking_balance_band = _stated_field("checking_balance_band")
    savings_band = _stated_field("savings_band")
    housing = _stated_field("housing")
    property_type = _stated_field("property_type")
    guarantor = _stated_field("guarantor")


class ReasonInputSerializer(serializers.Serializer):
    reason = text_serializer_field(max_length=2000, multiline=True, required=False, allow_blank=True)


class SubmitInputSerializer(ReasonInputSerializer):
    credit_check_consent = serializers.BooleanField(
        required=False, default=False, help_text="The customer consents to a credit check now."
    )
    device_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ApproveInputSerializer(ReasonInputSerializer):
    amount = money_serializer_field(required=False, help_text="Counter-offer amount (optional).")
    term = serializers.IntegerField(
        min_value=1, max_value=600, required=False, help_text="Counter-offer term in months."
    )


class AcceptOfferInputSerializer(serializers.Serializer):
    consents = serializers.DictField(
        child=serializers.BooleanField(), help_text='{"disclosure": true, "credit_contract": true}'
    )
    offer_digest = serializers.CharField(max_length=64, required=False, allow_blank=True)
    redeem_points = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=10_000_000,
        help_text="Reward points to spend on a rate discount (GET /api/v1/rewards/me/ gives the rule).",
    )


class DisburseInputSerializer(ReasonInputSerializer):
    disbursed_on = serializers.DateField(required=False)


class AssignInputSerializer(serializers.Serializer):
    officer = serializers.IntegerField(required=False, help_text="User id; the caller when left out.")


# --- Views ----------------------------------------------------------------------------------------
class ApplicationPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


def _state_param(request) -> list[str]:
    """`?state=` as known states (comma-separated); anything else is a field error, not a query."""
    states = [value.strip() for value in request.query_params.get("state", "").split(",") if value.strip()]
    unknown = [value for value in states if value not in State.values]
    if unknown:
        known = ", ".join(State.values)
        raise Invalid({"state": [_("Unknown state; the states are: %(states)s.") % {"states": known}]})
    return states


@extend_schema_view(
    get=extend_schema(
        operation_id="applications_list",
        summary="Applications the caller may see (own, or all for staff)",
        parameters=[OpenApiParameter("state", OpenApiTypes.STR, description="State(s), comma-separated")],
        responses={200: APPLICATION_PAGE, 400: FIELD_ERRORS},
    ),
    post=extend_schema(
        operation_id="applications_create",
        summary="Create a draft application",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ApplicationInputSerializer,
        responses={201: APPLICATION, **ERRORS},
    ),
)
class ApplicationListCreateApi(APIView):
    def get(self, request):
        queryset = selectors.application_list_for(user=request.user, state=_state_param(request))
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        results = [application_payload(a, user=request.user, detail=False) for a in page]
        return _respond(
            {
                "count": paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": results,
            }
        )

    def post(self, request):
        def handler() -> Response:
            serializer = ApplicationInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            application = services.application_create(actor=request.user, **serializer.validated_data)
            # Answered from what was just written, not read back (the caller's own draft, with its
            # customer and the offered version in hand, no decision, its creation the one event).
            payload = application_payload(application, user=request.user, events=[application.creation_event])
            return _respond(payload, status.HTTP_201_CREATED)

        return idempotent(request, handler)


@extend_schema_view(
    get=extend_schema(
        operation_id="applications_retrieve",
        summary="One application with its decision, offer and events",
        responses={200: APPLICATION, 404: ERRORS[404]},
    ),
    put=extend_schema(
        operation_id="applications_update",
        summary="Replace a draft's fields",
        request=ApplicationInputSerializer,
        responses={200: APPLICATION, **ERRORS},
    ),
    patch=extend_schema(
        operation_id="applications_partial_update",
        summary="Change some of a draft's fields",
        request=ApplicationInputSerializer(partial=True),
        responses={200: APPLICATION, **ERRORS},
    ),
)
class ApplicationDetailApi(APIView):
    def get(self, request, pk: int):
        application = selectors.application_get_for(user=request.user, application_id=pk)
        return _respond(application_payload(application, user=request.user))

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        application = selectors.application_get_for(user=request.user, application_id=pk)
        services.draft_check_editor(request.user, application)  # the right before the body
        serializer = ApplicationInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.application_update(
            application=application, actor=request.user, data=dict(serializer.validated_data)
        )
        application = selectors.application_get_for(user=request.user, application_id=pk)
        return _respond(application_payload(application, user=request.user))

    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)


class _TransitionApi(APIView):
    """POST /{id}/<action>/: check the caller's right, validate the body, call one service, answer
    with the application. A caller without the right gets 403 (404 for an application they may not
    see) whatever the body."""

    input_serializer: type[serializers.Serializer] = ReasonInputSerializer

    def check_actor(self, *, application: LoanApplication, actor) -> None:
        """Refuse a caller without the right before the body is read (the services check again)."""

    def perform(self, *, application: LoanApplication, actor, data: dict) -> LoanApplication:
        raise NotImplementedError

    def post(self, request, pk: int):
        def handler() -> Response:
            application = selectors.application_get_for(user=request.user, application_id=pk)
            self.check_actor(application=application, actor=request.user)
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            self.perform(application=application, actor=request.user, data=dict(serializer.validated_data))
            application = selectors.application_get_for(user=request.user, application_id=pk)
            return _respond(application_payload(application, user=request.user))

        return idempotent(request, handler)


def _transition_schema(name: str, summary: str, request):
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"applications_{name}",
            summary=summary,
            parameters=[IDEMPOTENCY_PARAMETER],
            request=request,
            responses={200: APPLICATION, **ERRORS},
        )
    )


@_transition_schema(
    "submit", "Submit a draft for scoring (customer, or an officer at a branch)", SubmitInputSerializer
)
class ApplicationSubmitApi(_TransitionApi):
    input_serializer = SubmitInputSerializer

    def perform(self, *, application, actor, data):
        return services.application_submit(
            application=application,
            actor=actor,
            credit_check_consent=data.get("credit_check_consent", False),
            device_id=data.get("device_id", ""),
            reason=data.get("reason", ""),
        )


@_transition_schema("withdraw", "Withdraw the application (the customer)", ReasonInputSerializer)
class ApplicationWithdrawApi(_TransitionApi):
    def perform(self, *, application, actor, data):
        return services.application_withdraw(
            application=application, actor=actor, reason=data.get("reason", "")
        )


@_transition_schema(
    "approve", "Approve, optionally as a counter-offer (Loan Officer)", ApproveInputSerializer
)
class ApplicationApproveApi(_TransitionApi):
    input_serializer = ApproveInputSerializer

    def perform(self, *, application, actor, data):
        return services.application_approve(
            application=application,
            actor=actor,
            reason=data.get("reason", ""),
            amount=data.get("amount"),
            term=data.get("term"),
        )


@_transition_schema(
    "refer", "Refer a scored application to manual review (Loan Officer)", ReasonInputSerializer
)
class ApplicationReferApi(_TransitionApi):
    def perform(self, *, application, actor, data):
        return services.application_refer(application=application, actor=actor, reason=data.get("reason", ""))


@_transition_schema("decline", "Decline (Loan Officer, with a reason)", ReasonInputSerializer)
class ApplicationDeclineApi(_TransitionApi):
    def perform(self, *, application, actor, data):
        return services.application_decline(
            application=application, actor=actor, reason=data.get("reason", "")
        )


@_transition_schema("accept_offer", "Accept the offer as shown (the customer)", AcceptOfferInputSerializer)
class ApplicationAcceptOfferApi(_TransitionApi):
    input_serializer = AcceptOfferInputSerializer

    def check_actor(self, *, application, actor):
        services.offer_check_acceptor(actor, application)

    def perform(self, *, application, actor, data):
        return services.application_accept_offer(
            application=application,
            actor=actor,
            consents=data.get("consents", {}),
            offer_digest=data.get("offer_digest") or None,
            redeem_points=data.get("redeem_points") or 0,
        )


@_transition_schema("decline_offer", "Decline the offer (the customer)", ReasonInputSerializer)
class ApplicationDeclineOfferApi(_TransitionApi):
    def perform(self, *, application, actor, data):
        return services.application_decline_offer(
            application=application, actor=actor, reason=data.get("reason", "")
        )


@_transition_schema(
    "disburse", "Disburse: open the loan in servicing (Loan Officer)", DisburseInputSerializer
)
class ApplicationDisburseApi(_TransitionApi):
    input_serializer = DisburseInputSerializer

    def perform(self, *, application, actor, data):
        return services.application_disburse(
            application=application,
            actor=actor,
            disbursed_on=data.get("disbursed_on"),
            reason=data.get("reason", ""),
        )


@_transition_schema("assign", "Assign to an officer (the caller when none is named)", AssignInputSerializer)
class ApplicationAssignApi(_TransitionApi):
    input_serializer = AssignInputSerializer

    def perform(self, *, application, actor, data):
        officer = None
        if data.get("officer") is not None:
            officer = get_user_model().objects.filter(pk=data["officer"]).first()
            if officer is None:
                raise services.ApplicationValidationError({"officer": [_("no such user")]})
        return services.application_assign(application=application, actor=actor, officer=officer)


@extend_schema_view(
    get=extend_schema(
        operation_id="applications_queue",
        summary="The officers' work queue (referred by default, oldest first)",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, description="State(s), comma-separated"),
            OpenApiParameter("assigned", OpenApiTypes.STR, description="'me' for the caller's own"),
            OpenApiParameter("unassigned", OpenApiTypes.BOOL),
            OpenApiParameter("pending_approval", OpenApiTypes.BOOL, description="Awaiting a second approval"),
        ],
        responses={200: APPLICATION_PAGE, 400: FIELD_ERRORS, 403: ERRORS[403]},
    )
)
class ApplicationQueueApi(APIView):
    def get(self, request):
        params = request.query_params
        pending = params.get("pending_approval")
        queryset = selectors.application_queue(
            user=request.user,
            state=_state_param(request),
            assigned_to=request.user if params.get("assigned") == "me" else None,
            unassigned=params.get("unassigned") in ("1", "true", "True"),
            pending_approval=None if pending is None else pending in ("1", "true", "True"),
        )
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return _respond(
            {
                "count": paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": [application_payload(a, user=request.user, detail=False) for a in page],
            }
        )
