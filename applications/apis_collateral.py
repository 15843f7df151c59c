"""POST /api/v1/applications/{id}/collateral/ (the applicant on their own open application, or a
Loan Officer) and POST /api/v1/applications/{id}/guarantors/ (a Loan Officer). The rules are
`applications.services.collateral`'s."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.views import APIView

from applications import selectors, services
from applications.apis import ERRORS, IDEMPOTENCY_PARAMETER, _respond
from applications.services import collateral
from applications.services.collateral import DESCRIPTION_MAX_LENGTH
from loanhub.formatting import money_text
from loanhub.idempotency import idempotent
from loanhub.money import money_serializer_field
from loanhub.text import text_serializer_field
from risk.collateral import CollateralType, secured_value
from risk.selectors import decision_latest_for_customer


class CollateralInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CollateralType.choices)
    value = money_serializer_field(min_value=Decimal("0.01"), help_text="Market value on the valuation date.")
    valuation_date = serializers.DateField()
    description = text_serializer_field(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


COLLATERAL = inline_serializer(
    name="ApplicationCollateralOut",
    fields={
        "id": serializers.IntegerField(),
        "application": serializers.IntegerField(),
        "state": serializers.CharField(help_text="The application's state now (referred: reason ltv)."),
        "type": serializers.ChoiceField(choices=CollateralType.choices),
        "value": serializers.CharField(),
        "valuation_date": serializers.DateField(),
        "description": serializers.CharField(),
        "secured_value": serializers.CharField(help_text="Value after the type's haircut."),
        "ltv": serializers.CharField(help_text="Amount / total collateral value, four places."),
        "max_ltv": serializers.CharField(allow_null=True),
        "ltv_above_max": serializers.BooleanField(),
    },
)


class ApplicationCollateralApi(APIView):
    @extend_schema(
        operation_id="applications_collateral_add",
        summary="Pledge collateral for an open application (the applicant or a Loan Officer)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CollateralInputSerializer,
        responses={201: COLLATERAL, **ERRORS},
    )
    def post(self, request, pk: int):
        def handler():
            application = selectors.application_get_for(user=request.user, application_id=pk)
            collateral.collateral_check_actor(request.user, application)  # the role before the input
            serializer = CollateralInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            item, ltv = services.application_collateral_add(
                application=application,
                actor=request.user,
                collateral_type=data["type"],
                value=data["value"],
                valuation_date=data["valuation_date"],
                description=data["description"],
            )
            application = selectors.application_get_for(user=request.user, application_id=pk)
            limit = application.product_version.max_ltv
            body = {
                "id": item.pk,
                "application": application.pk,
                "state": application.state,
                "type": item.collateral_type,
                "value": money_text(item.value),
                "valuation_date": item.valuation_date,
                "description": item.description,
                "secured_value": money_text(
                    secured_value(collateral_type=item.collateral_type, value=item.value)
                ),
                "ltv": f"{ltv:.4f}",
                "max_ltv": None if limit is None else f"{limit:.4f}",
                "ltv_above_max": limit is not None and ltv > limit,
            }
            return _respond(body, status.HTTP_201_CREATED)

        return idempotent(request, handler)


class GuarantorInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, help_text="The guarantor's customer id.")


GUARANTOR = inline_serializer(
    name="ApplicationGuarantorOut",
    fields={
        "id": serializers.IntegerField(),
        "application": serializers.IntegerField(),
        "customer": serializers.IntegerField(),
        "kyc_status": serializers.CharField(),
        "score": serializers.IntegerField(allow_null=True, help_text="The guarantor's latest score."),
        "grade": serializers.CharField(allow_null=True),
    },
)


class ApplicationGuarantorApi(APIView):
    @extend_schema(
        operation_id="applications_guarantor_add",
        summary="Name a KYC-verified customer as guarantor of an open application (Loan Officer)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=GuarantorInputSerializer,
        responses={201: GUARANTOR, **ERRORS},
    )
    def post(self, request, pk: int):
        def handler():
            application = selectors.application_get_for(user=request.user, application_id=pk)
            collateral.guarantor_check_actor(request.user, application)
            serializer = GuarantorInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            guarantor = services.application_guarantor_add(
                application=application, actor=request.user, customer_id=serializer.validated_data["customer"]
            )
            decision = decision_latest_for_customer(customer_id=guarantor.customer_id)
            body = {
                "id": guarantor.pk,
                "application": application.pk,
                "customer": guarantor.customer_id,
                "kyc_status": guarantor.customer.kyc_status,
                "score": decision.score if decision else None,
                "grade": decision.grade if decision else None,
            }
            return _respond(body, status.HTTP_201_CREATED)

        return idempotent(request, handler)
