"""A cache that does not answer (Redis down) degrades and fails no request (loanhub.cache):
public pages render afresh, the read APIs serve, readiness answers, a product change is not
refused — and the authentication limit counts in the server process's memory: people still sign
in, and guessing is still limited.

The cache here is Django's Redis cache pointed at a port nothing listens on: every call is a
refused connection, as with Redis down, on any database.
"""

from __future__ import annotations

import pytest
import redis.exceptions
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

from loanhub import pagecache
from loanhub.throttling import OUTAGE_COUNTER, TOO_MANY_ATTEMPTS
from tests.loanhub.redis_server import _pick_port

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


@pytest.fixture
def fresh_outage_counter():
    OUTAGE_COUNTER.clear()
    yield OUTAGE_COUNTER
    OUTAGE_COUNTER.clear()


def test_people_still_sign_in_while_the_cache_is_down(client, cache_down, fresh_outage_counter, caplog):
    get_user_model().objects.create_user(username="mallory", password="right-password")
    token = APIClient().post("/api/v1/auth/token/", {"username": "mallory", "password": "right-password"})
    assert token.status_code == 200, token.content
    page = client.post("/customers/login/", {"username": "mallory", "password": "right-password"})
    assert page.status_code == 302
    assert "_auth_user_id" in client.session
    assert "cache unavailable (throttle auth, counted in process)" in caplog.text


def test_the_log_in_limit_still_holds_while_the_cache_is_down(
    client, cache_down, fresh_outage_counter, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "3/min"},
    }
    get_user_model().objects.create_user(username="mallory", password="right-password")
    api = APIClient()
    wrong = [
        api.post("/api/v1/auth/token/", {"username": "mallory", "password": f"guess-{n}"}) for n in range(3)
    ]
    assert [r.status_code for r in wrong] == [400, 400, 400]
    right = api.post("/api/v1/auth/token/", {"username": "mallory", "password": "right-password"})
    assert right.status_code == 429  # the fourth attempt from this address in the minute
    with translation.override("en"):
        page = client.post(
            "/customers/login/",
            {"username": "mallory", "password": "right-password"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert page.status_code == 429
        assert str(TOO_MANY_ATTEMPTS) in page.content.decode()
    assert "_auth_user_id" not in client.session
