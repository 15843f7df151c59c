"""Per-address limits on authentication: sign-up, log-in (pages, admin) and API tokens share one
budget per client address, the REST framework rate "auth" (LOANHUB_THROTTLE_AUTH, default 20/min)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

DEFAULT_AUTH_RATE = "20/min"
TOO_MANY_ATTEMPTS = _("Too many attempts from this address. Wait a minute and try again.")


class AuthRateThrottle(SimpleRateThrottle):
    """Per-address limit on sign-up, log-in and token requests."""

    scope = "auth"

    def get_rate(self):
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope, DEFAULT_AUTH_RATE)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def client_address(request) -> str | None:
    """The client's address as every limit sees it: REMOTE_ADDR, or behind LOANHUB_TRUSTED_PROXIES
    proxies the address the nearest one saw (REST framework's NUM_PROXIES rule)."""
    return BaseThrottle().get_ident(request)


def over_auth_limit(request) -> bool:
    """Count one authentication attempt from the request's address; True when over the budget."""
    return not AuthRateThrottle().allow_request(request, None)
