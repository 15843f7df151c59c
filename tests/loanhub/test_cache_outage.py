"""A cache that does not answer (Redis down) degrades and fails no request (loanhub.cache):
public pages render afresh, the read APIs serve, readiness answers, a product change is not
refused — and the authentication limit closes instead of opening.

The cache here is Django's Redis cache pointed at a port nothing listens on: every call is a
refused connection, as with Redis down, on any database.
"""

from __future__ import annotations

import pytest
import redis.exceptions
from django.utils import translation
from rest_framework.test import APIClient

from loanhub import pagecache
from loanhub.throttling import TOO_MANY_ATTEMPTS
from tests.loanhub.redis_server import _pick_port
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "loanhub.cache.PrefixedRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_pick_port()}/0",
            "KEY_PREFIX": "outage",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    from django.core.cache import cache

    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("anything")


def test_public_pages_render_afresh(client, cache_down, caplog):
    for url in ("/products/", "/calculator/"):
        assert client.get(url).status_code == 200, url
    assert "cache unavailable (page catalogue): ConnectionError" in caplog.text


def test_read_apis_serve_with_their_rate_limits_open(cache_down):
    api = APIClient()
    assert api.get("/api/v1/products/").status_code == 200
    assert api.get("/api/v1/products/").status_code == 200


def test_a_product_change_is_not_refused_for_the_cache(cache_down, caplog):
    pagecache.invalidate(pagecache.CATALOGUE)  # as publishing a version does, after the commit
    assert "cache unavailable (invalidate catalogue)" in caplog.text


def test_readiness_answers_without_its_cache(client, cache_down):
    response = client.get("/readyz")
    assert response.status_code in (200, 503)
    assert response.json()["database"]["ok"] is True


def test_the_log_in_limit_closes_instead_of_opening(client, cache_down):
    UserFactory(username="mallory", password="right-password")
    token = APIClient().post("/api/v1/auth/token/", {"username": "mallory", "password": "right-password"})
    assert token.status_code == 429
    with translation.override("en"):
        page = client.post(
            "/customers/login/",
            {"username": "mallory", "password": "right-password"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert page.status_code == 429
        assert str(TOO_MANY_ATTEMPTS) in page.content.decode()
    assert "_auth_user_id" not in client.session
