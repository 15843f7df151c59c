"""The customers API: the caller's own profile and documents, and KYC decisions by Loan Officers.

One API class per operation; each validates the request shape and calls one service. The
services' errors propagate to the one exception handler (`loanhub.errors`), which answers with the
one error body: validation → 400 with field errors, permission → 403, a customer the caller may
not see → 404, a KYC transition the current state refuses → 409 with the current state.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import business, marketing_consent, selectors, services
from customers import serializers as s
from customers.errors import CustomerNotFound, CustomerPermissionError
from customers.models import Customer
from loanhub.api_schema import FIELD_ERRORS, detail_response

NOT_FOUND = detail_response("No such customer profile (or not yours).")
FORBIDDEN = detail_response("Your role may not do this.")


def _own_profile(request) -> Customer:
    customer = selectors.customer_for_user(request.user)
    if customer is None:
        raise CustomerNotFound(_("You have no customer profile yet."))
    return customer


class CustomerMeApi(APIView):
    """The caller's own customer profile."""

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_retrieve",
        responses={200: s.CustomerOutputSerializer, 404: NOT_FOUND},
        summary="Your customer profile (identity and phone numbers masked)",
    )
    def get(self, request):
        customer = _own_profile(request)
        return Response(s.CustomerOutputSerializer(s.customer_payload(customer)).data)

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_update",
        request=s.CustomerInputSerializer,
        responses={
            200: s.CustomerOutputSerializer,
            201: s.CustomerOutputSerializer,
            400: FIELD_ERRORS,
            403: detail_response("Staff accounts have no customer profile."),
        },
        summary="Create or update your customer profile (customers only)",
    )
    def put(self, request):
        services.profile_check_owner(request.user)  # the right before the body
        serializer = s.CustomerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = selectors.customer_for_user(request.user) is None
        customer = services.customer_upsert_for_user(user=request.user, data=serializer.validated_data)
        return Response(
            s.CustomerOutputSerializer(s.customer_payload(customer)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


_KYC_RESPONSES = {
    200: s.CustomerOutputSerializer,
    400: FIELD_ERRORS,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: detail_response("The current KYC state refuses it; `state` is that state."),
}


def _kyc_decide(request, pk: int, service) -> Response:
    # The role first: a caller who may not decide learns nothing about which customers exist.
    if not services.can_review_kyc(request.user):
        raise CustomerPermissionError(_("Your role may not verify customer identities."))
    customer = selectors.customer_get_for_actor(customer_id=pk, actor=request.user)
    serializer = s.KycReasonInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    customer = service(customer=customer, actor=request.user, reason=serializer.validated_data["reason"])
    return Response(s.CustomerOutputSerializer(s.customer_payload(customer)).data)


class CustomerVerifyIdentityApi(APIView):
    @extend_schema(
        tags=["customers"],
        operation_id="customers_verify_identity",
        request=s.KycReasonInputSerializer,
        responses=_KYC_RESPONSES,
        summary="Mark the customer's identity verified (Loan Officers; reason required)",
    )
    def post(self, request, pk: int):
        return _kyc_decide(request, pk, services.customer_verify_identity)


class CustomerRejectIdentityApi(APIView):
    @extend_schema(
        tags=["customers"],
        operation_id="customers_reject_identity",
        request=s.KycReasonInputSerializer,
        responses=_KYC_RESPONSES,
        summary="Reject the customer's identity (Loan Officers; reason required)",
    )
    def post(self, request, pk: int):
        return _kyc_decide(request, pk, services.customer_reject_identity)


class CustomerMeDocumentsApi(APIView):
    """The caller's documents: list and upload."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_documents_list",
        responses={200: s.CustomerDocumentOutputSerializer(many=True), 404: NOT_FOUND},
        summary="Your uploaded documents",
    )
    def get(self, request):
        customer = _own_profile(request)
        documents = selectors.document_list(customer=customer)
        return Response(
            s.CustomerDocumentOutputSerializer([s.document_payload(d) for d in documents], many=True).data
        )

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_documents_create",
        request={"multipart/form-data": s.CustomerDocumentUploadSerializer},
        responses={
            201: s.CustomerDocumentOutputSerializer,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
            415: detail_response("The body is not multipart/form-data (or a form)"),
        },
        summary="Upload a document (PDF, JPEG or PNG, checked by content)",
    )
    def post(self, request):
        customer = _own_profile(request)
        serializer = s.CustomerDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_upload(
            customer=customer,
            kind=serializer.validated_data["kind"],
            file=serializer.validated_data["file"],
            actor=request.user,
        )
        return Response(
            s.CustomerDocumentOutputSerializer(s.document_payload(document)).data,
            status=status.HTTP_201_CREATED,
        )


class CustomerMeBusinessApi(APIView):
    """The caller's business data (small businesses and sole proprietors)."""

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_business_retrieve",
        responses={200: s.BusinessProfileSerializer, 404: NOT_FOUND},
        summary="Your business data (404 until you have entered it)",
    )
    def get(self, request):
        customer = _own_profile(request)
        profile = business.business_profile_get(customer=customer, actor=request.user)
        if profile is None:
            raise CustomerNotFound(_("You have not entered your business data yet."))
        return Response(s.BusinessProfileSerializer(profile).data)

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_business_update",
        request=s.BusinessProfileSerializer,
        responses={
            200: s.BusinessProfileSerializer,
            201: s.BusinessProfileSerializer,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
            409: detail_response("Only small businesses and sole proprietors have business data."),
        },
        summary="Enter or replace your business data",
    )
    def put(self, request):
        customer = _own_profile(request)
        serializer = s.BusinessProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile, created = business.business_profile_put(
            customer=customer, actor=request.user, data=serializer.validated_data
        )
        return Response(
            s.BusinessProfileSerializer(profile).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CustomerMeMarketingConsentApi(APIView):
    """The caller's marketing consents: separate from any loan, withdrawn at any time."""

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_marketing_consent_retrieve",
        responses={200: s.MarketingConsentSerializer, 404: NOT_FOUND},
        summary="Your marketing consents by channel and purpose",
    )
    def get(self, request):
        customer = _own_profile(request)
        return Response(selectors.marketing_consent_get(customer=customer))

    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_marketing_consent_update",
        request=s.MarketingConsentSerializer,
        responses={200: s.MarketingConsentSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
        summary="Give or withdraw marketing consents (the ones named change at once)",
    )
    def put(self, request):
        customer = _own_profile(request)
        serializer = s.MarketingConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flags = marketing_consent.marketing_consent_set(
            customer=customer, actor=request.user, choices=serializer.validated_data
        )
        return Response(flags)
