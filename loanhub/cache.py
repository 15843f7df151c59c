"""The Redis cache of real mode when it shares the broker's Redis database, and what its users do
when it does not answer.

Django's RedisCache.clear() empties the whole Redis database, which here would also drop the
broker's queues; this one deletes only the keys under its own KEY_PREFIX.

A cache outage (Redis down, restarting, unreachable) degrades, never fails a request; each user
of the cache catches `CACHE_ERRORS` and chooses its safe side:
- public page content (`loanhub.pagecache`): rendered afresh, not kept; an invalidation that cannot
  be written is logged (the content expires within LOANHUB_PAGE_CACHE_SECONDS anyway);
- readiness (`loanhub.health`): checked afresh on every call;
- request-rate throttles on reads (`loanhub.throttling`): let the request through (open);
- the authentication throttle (sign-up, log-in, API tokens): counts in the process's memory, so
  an outage locks nobody out and opens no door to password guessing; the per-account lockout
  lives in the database
  (django-axes' database handler) and holds either way.
"""

from __future__ import annotations

import logging

import redis.exceptions
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# What Django's Redis cache raises when the server does not answer.
CACHE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def log_outage(what: str, exc: Exception) -> None:
    logger.warning("cache unavailable (%s): %s", what, exc.__class__.__name__)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis-py client (hundreds of response callbacks set up) for
    every cache operation; one per connection pool serves them all (redis-py's clients are
    thread-safe, and a cache backend is one thread's anyway)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PrefixedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def clear(self) -> bool:
        client = self._cache.get_client(write=True)
        pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
        batch = []
        for name in client.scan_iter(match=pattern, count=1000):
            batch.append(name)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
