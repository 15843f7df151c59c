"""CRM API under /api/v1/marketing/: follow-up tasks, the contact log, NPS surveys and the
suggestion queue.

Staff read with the view permission of each record (officers, product and marketing managers,
auditors); officers and marketing managers write follow-ups and contacts, product and marketing
managers triage suggestions (the services check). Customers answer only their own surveys and
submit suggestions. Customer names are masked in every answer.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.masking import mask_counterparty
from customers.models import Customer
from customers.selectors import customer_for_user
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden
from loanhub.permissions import may
from marketing import crm, selectors
from marketing.apis import object_or_not_found
from marketing.errors import MarketingInvalid, MarketingNotFound
from marketing.models import (
    ContactChannel,
    ContactDirection,
    FollowUp,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
    Suggestion,
    SuggestionState,
    SurveyMoment,
)

FORBIDDEN = detail_response("Not allowed for the caller's role.")
NOT_FOUND = detail_response("No such object.")
CONFLICT = detail_response("The object is not in a state that allows this.")
TAG = "marketing-crm"


def _need(request, permission: str) -> None:
    if not may(request.user, permission):
        raise Forbidden(_("Your role may not see this."))


def _customer(pk, field: str = "customer") -> Customer:
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise MarketingInvalid({field: [_("No such customer.")]})
    return customer


# --- Serializers -------------------------------------------------------------------------------


class MaskedCustomerField(serializers.CharField):
    """The customer's legal name, masked."""

    def to_representation(self, value):
        return mask_counterparty(value)


class FollowUpInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    due_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    assigned_to = serializers.IntegerField(required=False, help_text="A user id; default: the caller")


class FollowUpOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = MaskedCustomerField(source="customer.legal_name")
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    due_on = serializers.DateField()
    note = serializers.CharField()
    state = serializers.ChoiceField(choices=FollowUpState.choices)
    outcome = serializers.CharField()
    assigned_to = serializers.CharField(source="assigned_to.username")
    closed_at = serializers.DateTimeField(allow_null=True)


class FollowUpCompleteInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FollowUpCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ContactInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    direction = serializers.ChoiceField(choices=ContactDirection.choices)
    summary = serializers.CharField(max_length=2000)
    follow_up = serializers.IntegerField(required=False)
    occurred_at = serializers.DateTimeField(required=False)


class ContactOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    direction = serializers.ChoiceField(choices=ContactDirection.choices)
    summary = serializers.CharField()
    follow_up = serializers.IntegerField(source="follow_up_id", allow_null=True)
    staff = serializers.CharField(source="staff.username")
    occurred_at = serializers.DateTimeField()


class SurveyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    moment = serializers.ChoiceField(choices=SurveyMoment.choices)
    product = serializers.CharField(source="product_code")
    sent_at = serializers.DateTimeField()
    score = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class SurveyAnswerInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    suggestion = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Goes to the product team"
    )


class NpsRowSerializer(serializers.Serializer):
    responses = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class NpsMonthSerializer(NpsRowSerializer):
    month = serializers.CharField(help_text="YYYY-MM, the month answered")


class NpsProductSerializer(NpsRowSerializer):
    product = serializers.CharField()


class NpsReportSerializer(serializers.Serializer):
    overall = NpsRowSerializer()
    by_month = NpsMonthSerializer(many=True)
    by_product = NpsProductSerializer(many=True)


class SuggestionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    product = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)


class SuggestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_name = MaskedCustomerField(source="customer.legal_name")
    text = serializers.CharField()
    product = serializers.CharField(source="product_code")
    survey = serializers.IntegerField(source="survey_id", allow_null=True)
    state = serializers.ChoiceField(choices=SuggestionState.choices)
    response = serializers.CharField()
    created_at = serializers.DateTimeField()


class SuggestionTriageInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=crm.TRIAGE_ACTIONS)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# --- Views -------------------------------------------------------------------------------------


class FollowUpListApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_follow_ups_list",
        parameters=[
            OpenApiParameter("mine", bool, description="Only the caller's own tasks"),
            OpenApiParameter("state", str, enum=FollowUpState.values),
        ],
        responses={200: FollowUpOutputSerializer(many=True), 403: FORBIDDEN},
        summary="Follow-up tasks, earliest due first (officers, managers, auditors)",
    )
    def get(self, request):
        _need(request, "marketing.view_followup")
        state = request.query_params.get("state") or None
        if state is not None and state not in FollowUpState.values:
            raise MarketingInvalid(
                {"state": [_("Choose one of: %(values)s.") % {"values": ", ".join(FollowUpState.values)}]}
            )
        mine = request.query_params.get("mine") in ("1", "true")
        tasks = selectors.follow_up_list(assigned_to=request.user if mine else None, state=state)[:500]
        return Response(FollowUpOutputSerializer(tasks, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="marketing_follow_ups_create",
        request=FollowUpInputSerializer,
        responses={201: FollowUpOutputSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="Create a follow-up task for a customer (officers, marketing managers)",
    )
    def post(self, request):
        _need(request, "marketing.add_followup")
        serializer = FollowUpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = _customer(data.pop("customer"))
        assigned_to = None
        if "assigned_to" in data:
            from django.contrib.auth import get_user_model

            assigned_to = get_user_model().objects.filter(pk=data.pop("assigned_to")).first()
            if assigned_to is None:
                raise MarketingInvalid({"assigned_to": [_("No such user.")]})
        task = crm.follow_up_create(actor=request.user, customer=customer, assigned_to=assigned_to, **data)
        return Response(FollowUpOutputSerializer(task).data, status=status.HTTP_201_CREATED)


class FollowUpCompleteApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_follow_ups_complete",
        request=FollowUpCompleteInputSerializer,
        responses={
            200: FollowUpOutputSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        summary="Close an open follow-up task with its outcome",
    )
    def post(self, request, pk: int):
        _need(request, "marketing.change_followup")
        task = object_or_not_found(FollowUp, pk)
        serializer = FollowUpCompleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = crm.follow_up_complete(follow_up=task, actor=request.user, **serializer.validated_data)
        return Response(FollowUpOutputSerializer(done).data)


class FollowUpCancelApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_follow_ups_cancel",
        request=FollowUpCancelInputSerializer,
        responses={200: FollowUpOutputSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        summary="Cancel an open follow-up task",
    )
    def post(self, request, pk: int):
        _need(request, "marketing.change_followup")
        task = object_or_not_found(FollowUp, pk)
        serializer = FollowUpCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = crm.follow_up_cancel(follow_up=task, actor=request.user, **serializer.validated_data)
        return Response(FollowUpOutputSerializer(cancelled).data)


class ContactLogApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_contacts_list",
        responses={200: ContactOutputSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        summary="A customer's contact log, newest first",
    )
    def get(self, request, customer_id: int):
        _need(request, "marketing.view_contactentry")
        customer = object_or_not_found(Customer, customer_id)
        return Response(
            ContactOutputSerializer(selectors.contact_list(customer_id=customer.pk)[:500], many=True).data
        )

    @extend_schema(
        tags=[TAG],
        operation_id="marketing_contacts_create",
        request=ContactInputSerializer,
        responses={201: ContactOutputSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="Log a contact with the customer (officers, marketing managers)",
    )
    def post(self, request, customer_id: int):
        _need(request, "marketing.add_contactentry")
        customer = object_or_not_found(Customer, customer_id)
        serializer = ContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        follow_up = None
        if "follow_up" in data:
            follow_up = FollowUp.objects.filter(pk=data.pop("follow_up")).first()
            if follow_up is None:
                raise MarketingInvalid({"follow_up": [_("No such task.")]})
        entry = crm.contact_log(actor=request.user, customer=customer, follow_up=follow_up, **data)
        return Response(ContactOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class MySurveysApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_surveys_mine",
        responses={200: SurveyOutputSerializer(many=True), 403: FORBIDDEN},
        summary="The signed-in customer's NPS surveys, answered or not",
    )
    def get(self, request):
        customer = customer_for_user(request.user)
        if customer is None:
            raise Forbidden(_("Only customers have surveys."))
        return Response(
            SurveyOutputSerializer(selectors.survey_list_of(customer_id=customer.pk), many=True).data
        )


class SurveyAnswerApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_surveys_answer",
        request=SurveyAnswerInputSerializer,
        responses={200: SurveyOutputSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: CONFLICT},
        summary="Answer one's own survey: 0–10, a comment, optionally a suggestion (once)",
    )
    def post(self, request, pk: int):
        serializer = SurveyAnswerInputSerializer(data=request.data)
        if not serializer.is_valid():
            # Someone else's survey is "not found" before any field error tells them it exists.
            if (
                customer_for_user(request.user) is None
                or not selectors.survey_list_of(customer_id=customer_for_user(request.user).pk)
                .filter(pk=pk)
                .exists()
            ):
                raise MarketingNotFound(_("Not found."))
            raise MarketingInvalid(serializer.errors)
        survey = crm.survey_answer(survey_id=pk, actor=request.user, **serializer.validated_data)
        return Response(SurveyOutputSerializer(survey).data)


class NpsReportApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_nps_report",
        parameters=[OpenApiParameter("moment", str, enum=SurveyMoment.values)],
        responses={200: NpsReportSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="Net Promoter Score: overall, by month answered and by product",
    )
    def get(self, request):
        _need(request, "marketing.view_npssurvey")
        moment = request.query_params.get("moment") or None
        if moment is not None and moment not in SurveyMoment.values:
            raise MarketingInvalid(
                {"moment": [_("Choose one of: %(values)s.") % {"values": ", ".join(SurveyMoment.values)}]}
            )
        return Response(NpsReportSerializer(selectors.nps_report(moment=moment)).data)


class SuggestionListApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_suggestions_list",
        parameters=[OpenApiParameter("state", str, enum=SuggestionState.values)],
        responses={200: SuggestionOutputSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="Customers' suggestions, oldest first (the product managers' queue: state=new)",
    )
    def get(self, request):
        _need(request, "marketing.view_suggestion")
        state = request.query_params.get("state") or None
        if state is not None and state not in SuggestionState.values:
            raise MarketingInvalid(
                {"state": [_("Choose one of: %(values)s.") % {"values": ", ".join(SuggestionState.values)}]}
            )
        return Response(
            SuggestionOutputSerializer(selectors.suggestion_queue(state=state)[:500], many=True).data
        )

    @extend_schema(
        tags=[TAG],
        operation_id="marketing_suggestions_create",
        request=SuggestionInputSerializer,
        responses={201: SuggestionOutputSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="A customer's suggestion for the product team",
    )
    def post(self, request):
        if customer_for_user(request.user) is None:
            raise Forbidden(_("Only customers make suggestions here."))
        serializer = SuggestionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        suggestion = crm.suggestion_submit(
            actor=request.user, text=data["text"], product_code=data["product"]
        )
        return Response(SuggestionOutputSerializer(suggestion).data, status=status.HTTP_201_CREATED)


class SuggestionTriageApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="marketing_suggestions_triage",
        request=SuggestionTriageInputSerializer,
        responses={
            200: SuggestionOutputSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        summary="Plan, decline (with a note) or finish a suggestion (product managers)",
    )
    def post(self, request, pk: int):
        _need(request, "marketing.change_suggestion")
        suggestion = object_or_not_found(Suggestion, pk)
        serializer = SuggestionTriageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = crm.suggestion_triage(suggestion=suggestion, actor=request.user, **serializer.validated_data)
        return Response(SuggestionOutputSerializer(moved).data)
