"""The cache of real mode shares the broker's Redis database: clearing it leaves the broker's keys."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.conf import settings

from loanhub.cache import PrefixedRedisCache


@pytest.mark.services("redis")
def test_clear_deletes_only_the_cache_keys_not_the_brokers():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = f"test-queue-{uuid.uuid4().hex}"
    client.rpush(queue, "a message")
    prefix = f"test-cache-{uuid.uuid4().hex}"
    cache = PrefixedRedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": prefix})
    try:
        cache.set_many({f"k{i}": i for i in range(1500)})  # more than one batch of deletes
        assert cache.get("k1499") == 1499

        assert cache.clear() is True

        assert cache.get("k0") is None
        assert list(client.scan_iter(match=f"{prefix}:*")) == []
        assert client.lrange(queue, 0, -1) == [b"a message"]
    finally:
        client.delete(queue)


def test_real_mode_without_a_cache_url_uses_the_brokers_redis_under_a_prefix():
    import subprocess
    import sys

    code = (
        "from django.conf import settings; c = settings.CACHES['default'];"
        " print(c['BACKEND'], c['KEY_PREFIX'], c['LOCATION'])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "loanhub.settings",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/7",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    ).stdout.split()
    assert out == ["loanhub.cache.PrefixedRedisCache", "loanhub-cache", "redis://127.0.0.1:6379/7"]
