"""Phone verification API: send a one-time code to the caller's phone, and check it.

POST /api/v1/customers/me/phone/send-code/  → 202 {"phone": masked, "expires_at", "resend_after"}
POST /api/v1/customers/me/phone/verify/ {"code"} → 200 {"phone": masked, "phone_verified": true}
Field-level 400s for a code that is wrong, expired or tried too often, and for a resend too soon.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import phone
from customers.apis import NOT_FOUND, _own_profile
from customers.masking import mask_phone
from loanhub.api_schema import FIELD_ERRORS


class PhoneCodeSentSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="Masked, e.g. 138****5678.")
    expires_at = serializers.DateTimeField()
    resend_after = serializers.IntegerField(help_text="Seconds before another code may be asked for.")


class PhoneCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, help_text="The 6-digit code from the SMS.")


class PhoneVerifiedSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="Masked, e.g. 138****5678.")
    phone_verified = serializers.BooleanField()


class CustomerMePhoneSendCodeApi(APIView):
    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_phone_send_code",
        request=None,
        responses={202: PhoneCodeSentSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
        summary="Send a one-time code by SMS to your phone (valid 10 minutes)",
    )
    def post(self, request):
        customer = _own_profile(request)
        row = phone.phone_code_send(
            customer=customer, actor=request.user, language=getattr(request, "LANGUAGE_CODE", "zh-hans")
        )
        payload = {
            "phone": mask_phone(customer.phone),
            "expires_at": row.expires_at,
            "resend_after": int(phone.RESEND_AFTER.total_seconds()),
        }
        return Response(PhoneCodeSentSerializer(payload).data, status=status.HTTP_202_ACCEPTED)


class CustomerMePhoneVerifyApi(APIView):
    @extend_schema(
        tags=["customers"],
        operation_id="customers_me_phone_verify",
        request=PhoneCodeInputSerializer,
        responses={200: PhoneVerifiedSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
        summary="Verify your phone with the code from the SMS",
    )
    def post(self, request):
        customer = _own_profile(request)
        serializer = PhoneCodeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone.phone_code_verify(customer=customer, code=serializer.validated_data["code"], actor=request.user)
        payload = {"phone": mask_phone(customer.phone), "phone_verified": True}
        return Response(PhoneVerifiedSerializer(payload).data)
