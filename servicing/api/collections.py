"""Collections API for collectors (issue 15): the queue of cases by bucket, one case with its
promises, contacts and history, and the officers' actions on it. Every rule is
`servicing.collections`'s: collectors (officers) act; staff who view servicing (risk analysts,
product managers, auditors) read with personal data masked; customers and marketing are refused
(403) before the body is read.

    GET  /api/v1/collections/cases/?bucket=&status=&mine=true
    GET  /api/v1/collections/cases/{id}/
    POST /api/v1/collections/cases/{id}/promises/   {amount, date}
    POST /api/v1/collections/cases/{id}/contacts/   {channel, outcome, note}
    POST /api/v1/collections/cases/{id}/assign/     {collector: user id | null}
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.masking import mask_phone, mask_text
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden, Invalid
from loanhub.money import money_serializer_field
from loanhub.throttling import UserRateThrottle
from servicing import collections
from servicing.models.collections import CaseStatus, ContactChannel, ContactOutcome

TAGS = ["collections"]
NOT_VISIBLE = detail_response("No such collection case.")
FORBIDDEN = detail_response("Not a collector (reads: staff who view servicing; never customers).")
ERRORS = {
    400: FIELD_ERRORS,
    403: FORBIDDEN,
    404: NOT_VISIBLE,
    409: detail_response("The case is closed, or a promise is pending already."),
}


# --- serializers ------------------------------------------------------------------------------
class CollectionPromiseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    amount = money_serializer_field(read_only=True)
    date = serializers.DateField(source="promised_date", read_only=True)
    made_on = serializers.DateField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, kept, broken or cancelled")
    paid = money_serializer_field(read_only=True, help_text="paid since the promise was made")
    resolved_on = serializers.DateField(read_only=True, allow_null=True)


class CollectionContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    channel = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    note = serializers.SerializerMethodField(help_text="masked unless the caller is the case's collector")
    contacted_at = serializers.DateTimeField(read_only=True)
    collector = serializers.IntegerField(source="created_by_id", read_only=True)

    def get_note(self, contact) -> str:
        return contact.note if self.context.get("owner") else mask_text(contact.note)


class CollectionCaseEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at", read_only=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)


class CollectionCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(
        source="loan_id", read_only=True, allow_null=True, help_text="null for a credit line's case"
    )
    credit_line = serializers.IntegerField(
        source="credit_line_id", read_only=True, allow_null=True, help_text="null for a loan's case"
    )
    loan_number = serializers.CharField(
        source="account.number", read_only=True, help_text="the loan's or the credit line's number"
    )
    customer = serializers.CharField(source="account.customer.legal_name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, legal, write_off_proposed or closed")
    bucket = serializers.CharField(read_only=True)
    days_past_due = serializers.IntegerField(read_only=True)
    max_days_past_due = serializers.IntegerField(read_only=True)
    amount_overdue = money_serializer_field(read_only=True)
    write_off_proposed = serializers.BooleanField(read_only=True)
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", read_only=True, allow_null=True)


class CollectionCasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CollectionCaseSerializer(many=True)


class CollectionCaseDetailSerializer(CollectionCaseSerializer):
    customer_phone = serializers.SerializerMethodField(help_text="masked unless the caller is the collector")
    promises = CollectionPromiseSerializer(many=True, read_only=True)
    contacts = serializers.SerializerMethodField()
    events = CollectionCaseEventSerializer(many=True, read_only=True)

    def get_customer_phone(self, case) -> str:
        phone = case.account.customer.phone
        return phone if self.context.get("owner") else mask_phone(phone)

    @extend_schema_field(CollectionContactSerializer(many=True))
    def get_contacts(self, case) -> list[dict]:
        return CollectionContactSerializer(case.contacts.all(), many=True, context=self.context).data


class CollectionCaseListInputSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(choices=(), required=False)
    status = serializers.ChoiceField(choices=["active", *CaseStatus.values], required=False)
    mine = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bucket"].choices = [code for code, _first, _last in settings.LOANHUB_DELINQUENCY_BUCKETS]


class CollectionPromiseInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="yuan, above zero")
    date = serializers.DateField(help_text="promised by: servicing's today or later (at most 90 days)")


class CollectionContactInputSerializer(serializers.Serializer):
    # A string checked by the service (400 on the field): an enum named "channel" would clash in
    # the schema with the applications' channel.
    channel = serializers.CharField(max_length=16, help_text=f"one of: {', '.join(ContactChannel.values)}")
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=collections.MAX_NOTE
    )


class CollectionAssignInputSerializer(serializers.Serializer):
    collector = serializers.IntegerField(allow_null=True, help_text="a collector's user id; null: unassign")


# --- views ------------------------------------------------------------------------------------
class CasePagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100


class CollectionsApi(APIView):
    throttle_classes = (UserRateThrottle,)


def _body(request, serializer_class) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _detail(request, case_id: int) -> Response:
    case = collections.case_get_for_actor(case_id=case_id, actor=request.user)
    owner = collections.may_see_personal_data(request.user, case)
    return Response(CollectionCaseDetailSerializer(case, context={"owner": owner}).data)


def _for_work(request) -> None:
    if not collections.may_work_cases(request.user):
        raise Forbidden(_("Only collectors may work collection cases."))


class CaseListApi(CollectionsApi):
    @extend_schema(
        tags=TAGS,
        summary="Collection cases (the queue), most days past due first",
        operation_id="collections_cases_list",
        parameters=[
            OpenApiParameter("bucket", str, description="a delinquency bucket: 1-30, 31-60, …"),
            OpenApiParameter("status", str, description="active, open, legal, write_off_proposed or closed"),
            OpenApiParameter("mine", bool, description="only the caller's cases"),
            OpenApiParameter("limit", int, description="page size, at most 100 (default 20)"),
            OpenApiParameter("offset", int, description="rows to skip"),
        ],
        responses={200: CollectionCasePageSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
    )
    def get(self, request):
        if not collections.may_read_cases(request.user):
            raise Forbidden(_("You may not see collection cases."))
        params = CollectionCaseListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cases = collections.cases_for_actor(request.user, **params.validated_data)
        paginator = CasePagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CollectionCaseSerializer(page, many=True).data)


class CaseDetailApi(CollectionsApi):
    @extend_schema(
        tags=TAGS,
        summary="One case: promises, contacts (notes masked unless it is the caller's), history",
        operation_id="collections_cases_retrieve",
        responses={200: CollectionCaseDetailSerializer, 403: FORBIDDEN, 404: NOT_VISIBLE},
    )
    def get(self, request, case_id: int):
        return _detail(request, case_id)


class CasePromisesApi(CollectionsApi):
    @extend_schema(
        tags=TAGS,
        summary="Record a promise to pay (kept or broken by close of business)",
        operation_id="collections_promises_create",
        request=CollectionPromiseInputSerializer,
        responses={201: CollectionPromiseSerializer, **ERRORS},
    )
    def post(self, request, case_id: int):
        _for_work(request)
        data = _body(request, CollectionPromiseInputSerializer)
        promise = collections.case_promise_record(
            case=case_id, amount=data["amount"], promised_date=data["date"], actor=request.user
        )
        return Response(CollectionPromiseSerializer(promise).data, status=status.HTTP_201_CREATED)


class CaseContactsApi(CollectionsApi):
    @extend_schema(
        tags=TAGS,
        summary="Log a contact with the customer",
        operation_id="collections_contacts_create",
        request=CollectionContactInputSerializer,
        responses={201: CollectionContactSerializer, **ERRORS},
    )
    def post(self, request, case_id: int):
        _for_work(request)
        data = _body(request, CollectionContactInputSerializer)
        contact = collections.case_contact_record(case=case_id, actor=request.user, **data)
        return Response(
            CollectionContactSerializer(contact, context={"owner": True}).data, status=status.HTTP_201_CREATED
        )


class CaseAssignApi(CollectionsApi):
    @extend_schema(
        tags=TAGS,
        summary="Give the case to a collector (null: unassign)",
        operation_id="collections_cases_assign",
        request=CollectionAssignInputSerializer,
        responses={200: CollectionCaseSerializer, **ERRORS},
    )
    def post(self, request, case_id: int):
        _for_work(request)
        data = _body(request, CollectionAssignInputSerializer)
        if data["collector"] is not None and data["collector"] < 1:
            raise Invalid({"collector": [_("Choose an active collector.")]})
        case = collections.case_assign(case=case_id, collector_id=data["collector"], actor=request.user)
        return Response(CollectionCaseSerializer(case).data)
