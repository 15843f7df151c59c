"""Sign-up and token API for customers: anonymous, throttled per client address.

A registered user is in the Customer role and not staff; a token authenticates API calls
(`Authorization: Token <key>`), next to the session cookie the pages use. Tokens expire
(loanhub.authentication) and the caller can revoke theirs.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import serializers as s
from customers import services
from loanhub import authentication, lockout
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.throttling import AuthRateThrottle

USERNAME_MAX_LENGTH = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length

NOT_AUTHENTICATED = detail_response("No valid credentials: a missing, wrong or expired token or session.")
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


class BoundedAuthTokenSerializer(AuthTokenSerializer):
    """DRF's token serializer with the user name bounded like the user model's: a longer name is
    a field error before anything tries to authenticate it (and before django-axes records the
    failed attempt in its 255-character column, which PostgreSQL would refuse with a 500)."""

    username = serializers.CharField(label=_("Username"), write_only=True, max_length=USERNAME_MAX_LENGTH)


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
        serializer = BoundedAuthTokenSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        lockout.raise_if_locked_out(request)
        if not valid:
            raise ValidationError(serializer.errors)
        token = authentication.token_issue(user=serializer.validated_data["user"])
        return Response(
            s.AuthTokenOutputSerializer(
                {"token": token.key, "expires_at": authentication.token_expires_at(token)}
            ).data
        )


class TokenRevokeApi(APIView):
    """Revoke the caller's API token (whether the call came with it or with the session)."""

    @extend_schema(
        tags=["auth"],
        operation_id="auth_token_revoke",
        request=None,
        responses={204: None, 401: NOT_AUTHENTICATED},
        summary="Revoke your API token",
    )
    def post(self, request):
        authentication.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
