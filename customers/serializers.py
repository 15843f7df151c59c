"""API input and output shapes of the customers app. Types only: the rules are in services.

Personal identifiers leave the API masked (`customer_payload`); money crosses as strings with
two decimals.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from customers import selectors
from customers.masking import mask_id_number, mask_phone
from customers.models import (
    Customer,
    CustomerType,
    Document,
    DocumentKind,
    EmploymentType,
    IndustrySection,
    KycStatus,
    TaxRating,
)
from loanhub.money import money_serializer_field
from loanhub.text import text_serializer_field


def customer_payload(customer: Customer) -> dict:
    """What any API caller is shown of a customer: identity and phone numbers masked."""
    return {
        "id": customer.pk,
        "customer_type": customer.customer_type,
        "legal_name": customer.legal_name,
        "id_number": mask_id_number(customer.id_number),
        "uscc": customer.uscc,
        "phone": mask_phone(customer.phone),
        "phone_verified": selectors.phone_is_verified(customer=customer),
        "email": customer.email,
        "region": customer.region,
        "employment_type": customer.employment_type,
        "employer": customer.employer,
        "industry": customer.industry,
        "years_employed": customer.years_employed,
        "graduation_year": customer.graduation_year,
        "payroll_customer": customer.payroll_customer,
        "monthly_income": customer.monthly_income,
        "monthly_debt": customer.monthly_debt,
        "annual_revenue": customer.annual_revenue,
        "credit_check_consent": selectors.customer_has_credit_check_consent(customer=customer),
        "kyc_status": customer.kyc_status,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


class CustomerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_type = serializers.ChoiceField(choices=CustomerType.choices)
    legal_name = serializers.CharField()
    id_number = serializers.CharField(help_text="Masked, e.g. 1101**********002X.")
    uscc = serializers.CharField(help_text="Unified social credit code (businesses), or empty.")
    phone = serializers.CharField(help_text="Masked, e.g. 138****5678.")
    phone_verified = serializers.BooleanField(
        help_text="True when the current number was proven with a code (POST me/phone/send-code/)."
    )
    email = serializers.EmailField(allow_blank=True)
    region = serializers.CharField()
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    employer = serializers.CharField(allow_blank=True)
    industry = serializers.CharField(allow_blank=True)
    years_employed = serializers.IntegerField()
    graduation_year = serializers.IntegerField(allow_null=True)
    payroll_customer = serializers.BooleanField(help_text="Set by the lender: it pays the customer's salary.")
    monthly_income = money_serializer_field()
    monthly_debt = money_serializer_field()
    annual_revenue = money_serializer_field(allow_null=True, help_text="Businesses only.")
    credit_check_consent = serializers.BooleanField(
        help_text="True when consent to the current credit-check wording is given."
    )
    kyc_status = serializers.ChoiceField(choices=KycStatus.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CustomerInputSerializer(serializers.Serializer):
    customer_type = serializers.ChoiceField(choices=CustomerType.choices)
    legal_name = text_serializer_field(max_length=200)
    id_number = text_serializer_field(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Resident identity number (18 characters). On update, leave out or send the masked "
        "value to keep it.",
    )
    uscc = text_serializer_field(
        required=False, allow_blank=True, max_length=32, help_text="Required for business customers."
    )
    phone = text_serializer_field(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Mainland mobile number. On update, leave out or send the masked value to keep it.",
    )
    email = text_serializer_field(required=False, allow_blank=True, max_length=254)
    region = text_serializer_field(max_length=64)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    employer = text_serializer_field(required=False, allow_blank=True, max_length=200)
    industry = text_serializer_field(required=False, allow_blank=True, max_length=100)
    years_employed = serializers.IntegerField(required=False, min_value=0, max_value=80)
    graduation_year = serializers.IntegerField(
        required=False, allow_null=True, help_text="Year of graduation; a student gives the expected year."
    )
    monthly_income = money_serializer_field(min_value=0)
    monthly_debt = money_serializer_field(min_value=0, required=False)
    annual_revenue = money_serializer_field(min_value=0, required=False, allow_null=True)
    credit_check_consent = serializers.BooleanField(
        required=False, help_text="true gives consent to the credit-check wording; false withdraws it."
    )


class KycReasonInputSerializer(serializers.Serializer):
    reason = text_serializer_field(max_length=2000, multiline=True)


class AuthRegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)
    email = serializers.EmailField()


class AuthRegisterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()


class AuthTokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class AuthTokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="After this moment the token is refused (401).")


class CustomerDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text="PDF, JPEG or PNG, checked by content; at most the upload limit.")


class CustomerDocumentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.CharField()


def document_payload(document: Document) -> dict:
    from django.urls import reverse

    return {
        "id": document.pk,
        "kind": document.kind,
        "original_name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "uploaded_at": document.uploaded_at,
        "download_url": reverse("customers:document", args=[document.pk]),
    }


class BusinessProfileSerializer(serializers.Serializer):
    """The business data of a small business or sole proprietor (in and out: the same shape)."""

    annual_revenue = money_serializer_field(min_value=0, help_text="Revenue of the last full year, yuan.")
    annual_revenue_previous = money_serializer_field(min_value=0, help_text="Revenue of the year before.")
    net_profit = money_serializer_field(help_text="Net profit of the last year (negative: a loss).")
    net_profit_previous = money_serializer_field(help_text="Net profit of the year before.")
    total_assets = money_serializer_field(min_value=0)
    total_liabilities = money_serializer_field(min_value=0)
    years_trading = serializers.IntegerField(min_value=0, max_value=200)
    industry = serializers.ChoiceField(choices=IndustrySection.choices, help_text="GB/T 4754 section, A–T.")
    tax_rating = serializers.ChoiceField(choices=TaxRating.choices, help_text="纳税信用等级 A, B, M, C or D.")
    employees = serializers.IntegerField(min_value=0, max_value=1_000_000)


class MarketingConsentSerializer(serializers.Serializer):
    """The marketing consents by channel and purpose (PUT: the ones named change, others stay)."""

    email = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False)
    portal = serializers.BooleanField(required=False)
    personalised_recommendations = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("Name at least one of email, sms, portal, personalised_recommendations.")
                    ]
                }
            )
        return attrs
