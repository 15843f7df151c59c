"""Per-address limits on authentication: sign-up, log-in (pages, admin) and API tokens share one
budget per client address, the REST framework rate "auth" (LOANHUB_THROTTLE_AUTH, default 20/min).

The throttles count in the cache. On the Redis cache of real mode each check is one atomic script
(`_RedisLog`: one round trip per limit instead of a read and a write, and two concurrent requests
cannot both take the last place); on other caches REST framework's own read-then-write. When the
cache does not answer (loanhub.cache) the request-rate throttles of the API let requests
through, and the authentication throttle counts in its own process's memory instead: an outage
slows nobody's reading, locks nobody out of signing in, and opens no door to password guessing
(each server process holds the same budget per address, and the per-account lockout lives in the
database and holds either way).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _
from redis.commands.core import Script
from rest_framework import throttling
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from loanhub.cache import CACHE_ERRORS, log_outage

DEFAULT_AUTH_RATE = "20/min"
TOO_MANY_ATTEMPTS = _("Too many attempts from this address. Wait a minute and try again.")


# The sliding log of REST framework's SimpleRateThrottle (newest first, entries older than the
# duration dropped), checked and recorded in Redis in one step. Returns {allowed, count, oldest}.
_CHECK_AND_RECORD = Script(
    None,
    b"""
local key, now, duration, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
  local last = redis.call('LINDEX', key, -1)
  if not last or tonumber(last) > now - duration then break end
  redis.call('RPOP', key)
end
local count = redis.call('LLEN', key)
if count >= limit then
  return {0, count, redis.call('LINDEX', key, -1)}
end
redis.call('LPUSH', key, ARGV[1])
redis.call('EXPIRE', key, ARGV[4])
return {1, count + 1, false}
""",  # bytes: the script is bound to no client until it is called
)


class _RedisLog(SimpleRateThrottle):
    """On a Redis cache, REST framework's rate check in one round trip (see `_CHECK_AND_RECORD`);
    on any other cache (memory: development, tests, the outage counter) its own. It sits just
    above SimpleRateThrottle, so a throttle that settles its rate when called (the scoped one)
    has done so."""

    _scripted = False

    def allow_request(self, request, view) -> bool:
        backend = caches["default"] if self.cache is default_cache else self.cache
        self._scripted = isinstance(backend, RedisCache)
        if not self._scripted:
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        # Its own key (a list, not a pickled value) beside the cache's, under the cache's prefix.
        name = backend.make_and_validate_key(f"{self.key}:log")
        client = backend._cache.get_client(name, write=True)
        allowed, self._count, oldest = _CHECK_AND_RECORD(
            keys=[name],
            args=[repr(self.now), self.duration, self.num_requests, math.ceil(self.duration)],
            client=client,
        )
        self._oldest = float(oldest) if oldest else self.now
        return bool(allowed)

    def wait(self):
        if not self._scripted:
            return super().wait()
        remaining = self.duration - (self.now - self._oldest)
        available = self.num_requests - self._count + 1
        return remaining / available if available > 0 else None


class _OpenWhenCacheDown:
    """A request-rate throttle that lets the request through when the cache does not answer."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log_outage(f"throttle {self.__class__.__name__}", exc)
            return True


class AnonRateThrottle(_OpenWhenCacheDown, throttling.AnonRateThrottle, _RedisLog):
    pass


class UserRateThrottle(_OpenWhenCacheDown, throttling.UserRateThrottle, _RedisLog):
    pass


class ScopedRateThrottle(_OpenWhenCacheDown, throttling.ScopedRateThrottle, _RedisLog):
    pass


class AnonOrUserRateThrottle(_OpenWhenCacheDown, _RedisLog):
    """One limit per request where both apply (the catalogue API): a signed-in user's budget
    ("user", LOANHUB_THROTTLE_USER) counted by account, anyone else's ("anon",
    LOANHUB_THROTTLE_ANON) by address. The same as REST framework's AnonRateThrottle and
    UserRateThrottle together (which counts anonymous callers by address a second time, under
    the looser user rate) with one counter to check instead of two."""

    def allow_request(self, request, view) -> bool:
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(getattr(self, "scope", "anon"))

    def get_cache_key(self, request, view):
        if self.scope == "user":
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


# Where the authentication limit counts while the shared cache does not answer (this process only).
OUTAGE_COUNTER = LocMemCache("loanhub-auth-throttle-outage", {"MAX_ENTRIES": 10_000})


class AuthRateThrottle(_RedisLog):
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
