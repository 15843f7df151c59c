"""API tokens that expire and can be revoked (DRF's Token, one per user).

A token lives LOANHUB_TOKEN_TTL_HOURS from when it was issued; after that it is refused with a
401 in the one error body, and asking for a token again issues a new one. Revoking deletes it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from loanhub import clock
from loanhub.queries import CompiledRead


def token_expires_at(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(hours=settings.LOANHUB_TOKEN_TTL_HOURS)


def token_is_expired(token: Token) -> bool:
    return clock.now() >= token_expires_at(token)


# Every API call with a token reads it with its user: compiled once (loanhub.queries).
_TOKEN = CompiledRead(lambda key: Token.objects.select_related("user").filter(key=key)[:1], key_type=str)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        # DRF's own checks and words (TokenAuthentication.authenticate_credentials), its read compiled.
        # A NUL byte is in no key, and PostgreSQL refuses it in a parameter (a 500, not a 401).
        found = _TOKEN.objects(key) if "\x00" not in key else []
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = found[0]
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(_("The token has expired; ask for a new one."))
        return user, token


def token_issue(*, user: AbstractBaseUser) -> Token:
    """The user's live token, or a new one when there is none or it has expired."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and not token_is_expired(token):
            return token
        if token is not None:
            token.delete()
        return Token.objects.create(user=user)


def token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's token. True when there was one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted > 0
