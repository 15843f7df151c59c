"""Per-address limits on authentication: sign-up, log-in (pages, admin) and API tokens share one
budget per client address, the REST framework rate "auth" (LOANHUB_THROTTLE_AUTH, default 20/min).

The throttles count in the cache. When it does not answer (loanhub.cache) the request-rate
throttles of the API let requests through, and the authentication throttle counts in its own
process's memory instead: an outage slows nobody's reading, locks nobody out of signing in, and
opens no door to password guessing (each server process holds the same budget per address, and
the per-account lockout lives in the database and holds either way).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.utils.translation import gettext_lazy as _
from rest_framework import throttling
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from loanhub.cache import CACHE_ERRORS, log_outage

DEFAULT_AUTH_RATE = "20/min"
TOO_MANY_ATTEMPTS = _("Too many attempts from this address. Wait a minute and try again.")


class _OpenWhenCacheDown:
    """A request-rate throttle that lets the request through when the cache does not answer."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log_outage(f"throttle {self.__class__.__name__}", exc)
            return True


class AnonRateThrottle(_OpenWhenCacheDown, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_OpenWhenCacheDown, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_OpenWhenCacheDown, throttling.ScopedRateThrottle):
    pass


# Where the authentication limit counts while the shared cache does not answer (this process only).
OUTAGE_COUNTER = LocMemCache("loanhub-auth-throttle-outage", {"MAX_ENTRIES": 10_000})


class AuthRateThrottle(SimpleRateThrottle):
    """Per-address limit on sign-up, log-in and token requests; counted in this process's memory
    while the cache is away."""

    scope = "auth"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log_outage("throttle auth, counted in process", exc)
            self.cache = OUTAGE_COUNTER
            return super().allow_request(request, view)

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
