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

from loanhub import pagecache, roles
from loanhub.throttling import OUTAGE_COUNTER, TOO_MANY_ATTEMPTS, AuthRateThrottle, _OpenWhenCacheDown
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


def _api_views():
    """Every DRF view the URLconf routes to, with its path."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.views import APIView

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "cls", None)
                if isinstance(view, type) and issubclass(view, APIView):
                    yield prefix + str(entry.pattern), view

    return list(walk(get_resolver().url_patterns, ""))


def test_every_apis_throttles_either_open_or_count_in_memory_when_the_cache_is_down():
    # DRF's own throttles raise on a cache error: a request fails with 500 while Redis is down
    # (the monitoring and notifications APIs did).
    views = _api_views()
    assert len(views) > 50
    wrong = [
        (path, throttle.__name__)
        for path, view in views
        for throttle in view.throttle_classes
        if not issubclass(throttle, (_OpenWhenCacheDown, AuthRateThrottle))
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (roles.AUDITOR, "/api/v1/monitoring/vintages/"),
        (roles.LOAN_OFFICER, "/api/v1/monitoring/early-warnings/"),
        (roles.CUSTOMER, "/api/v1/notifications/me/"),
        (roles.CUSTOMER, "/api/v1/loans/"),
    ],
)
def test_staff_and_customers_apis_serve_while_the_cache_is_down(cache_down, caplog, role, url):
    api = APIClient()
    api.force_authenticate(UserFactory(role=role))
    response = api.get(url)
    assert response.status_code == 200, response.content
    assert "cache unavailable (throttle UserRateThrottle)" in caplog.text


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
