"""Sign-up and token API for customers: anonymous, throttled per client address.

A registered user is in the Customer role and not staff; a token authenticates API calls
(`Authorization: Token <key>`), next to the session cookie the pages use.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import serializers as s
from customers import services
from loanhub import lockout
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.throttling import AuthRateThrottle

THROTTLED = detail_response("Too many attempts from this address, or the account is locked; try again later.")


class AnonymousAuthApi(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (AuthRateThrottle,)


class RegisterApi(AnonymousAuthApi):
    @extend_schema(
        tags=["auth"],
        operation_id="auth_register",
        request=s.AuthRegisterInputSerializer,
        responses={201: s.AuthRegisterOutputSerializer, 400: FIELD_ERRORS, 429: THROTTLED},
        summary="Sign up as a customer",
        auth=[],
    )
    def post(self, request):
        serializer = s.AuthRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.customer_user_register(**serializer.validated_data)
        return Response(
            s.AuthRegisterOutputSerializer(
                {"id": user.pk, "username": user.get_username(), "email": user.email}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class TokenObtainApi(AnonymousAuthApi):
    @extend_schema(
        tags=["auth"],
        operation_id="auth_token_create",
        request=s.AuthTokenInputSerializer,
        responses={200: s.AuthTokenOutputSerializer, 400: FIELD_ERRORS, 429: THROTTLED},
        summary="Exchange a user name and password for an API token",
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        lockout.raise_if_locked_out(request)
        if not valid:
            raise ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(s.AuthTokenOutputSerializer({"token": token.key}).data)
