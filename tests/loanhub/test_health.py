"""/healthz (liveness) and /readyz (readiness): 200 when the parts answer, 503 when one does not;
which part, the database vendor and the broker mode only for staff and callers on this machine.

Django's test client sends REMOTE_ADDR 127.0.0.1 (a caller on this machine): public callers are
given another address explicitly.
"""

import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError

from loanhub import roles
from loanhub.celery import app as celery_app
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = {"REMOTE_ADDR": "203.0.113.7"}  # TEST-NET-3: an address from outside


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # /readyz keeps its answer in the cache
    yield
    cache.clear()


@pytest.fixture
def broker_down(settings):
    settings.LOANHUB_BROKER_CONFIGURED = True
    settings.LOANHUB_HEALTH_TIMEOUT = 0.5
    # Nothing listens on port 1: the broker is down, whatever the machine runs.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_untouchable(monkeypatch):
    """Any use of the broker or a worker fails the test."""

    def touched(*args, **kwargs):
        raise AssertionError("the broker or a worker was contacted")

    monkeypatch.setattr(celery_app, "connection_for_write", touched)
    monkeypatch.setattr(celery_app.control, "ping", touched)


# --- liveness ----------------------------------------------------------------------------------
def test_public_liveness_says_ok_and_nothing_else(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    response = client.get("/healthz", **PUBLIC)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_liveness_from_this_machine_names_the_parts(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    response = client.get("/healthz")  # REMOTE_ADDR 127.0.0.1
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] in ("sqlite", "postgresql")


@pytest.mark.parametrize("address", ["::1", "127.0.0.1"])
def test_loopback_addresses_see_details(client, settings, address):
    settings.LOANHUB_BROKER_CONFIGURED = False
    assert "database" in client.get("/healthz", REMOTE_ADDR=address).json()


def test_a_forwarded_loopback_address_from_outside_sees_no_details(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    response = client.get("/healthz", HTTP_X_FORWARDED_FOR="127.0.0.1", **PUBLIC)
    assert response.json() == {"status": "ok"}


def test_behind_a_local_proxy_the_client_it_reports_decides(client, settings):
    """With one trusted proxy on this machine REMOTE_ADDR is always 127.0.0.1: the client address
    the proxy reports decides."""
    settings.LOANHUB_BROKER_CONFIGURED = False
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    outside = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert outside.json() == {"status": "ok"}
    local = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert "database" in local.json()


def test_staff_see_details_from_anywhere(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    client.force_login(UserFactory(username="ops", role=roles.LOAN_OFFICER))
    body = client.get("/healthz", **PUBLIC).json()
    assert body["database"]["ok"] is True


def test_customers_see_no_details(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    client.force_login(UserFactory(username="cust", role=roles.CUSTOMER, is_staff=False))
    assert client.get("/healthz", **PUBLIC).json() == {"status": "ok"}


def test_liveness_never_touches_the_broker_or_a_worker(client, broker_down, broker_untouchable):
    started = time.perf_counter()
    response = client.get("/healthz", **PUBLIC)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert elapsed < 0.5  # a few milliseconds in practice; the bound only catches a wait on I/O


def test_database_down_is_a_public_503_without_the_reason(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    with mock.patch("loanhub.health.connection.cursor", side_effect=OperationalError("down")):
        public = client.get("/healthz", **PUBLIC)
        local = client.get("/healthz")
    assert public.status_code == 503
    assert public.json() == {"status": "fail"}
    assert local.status_code == 503
    assert local.json()["failing"] == ["database"]
    assert local.json()["database"] == {"ok": False, "error": "OperationalError"}


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


# --- readiness ---------------------------------------------------------------------------------
def test_embedded_mode_is_ready(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["broker"] == {"ok": True, "mode": "in-process"}
    assert body["worker"] == {"ok": True, "mode": "in-process"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_public_readiness_hides_the_broker_mode_and_the_vendor(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    response = client.get("/readyz", **PUBLIC)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_broker_down_is_503_naming_the_broker_to_operators_only(client, broker_down):
    local = client.get("/readyz")
    assert local.status_code == 503
    body = local.json()
    assert body["status"] == "fail"
    assert "broker" in body["failing"]
    assert body["broker"]["ok"] is False
    assert body["worker"] == {"ok": False, "error": "broker unavailable"}
    public = client.get("/readyz", **PUBLIC)
    assert public.status_code == 503
    assert public.json() == {"status": "fail"}


def test_readiness_is_cached_for_the_configured_seconds(client, settings, monkeypatch):
    settings.LOANHUB_BROKER_CONFIGURED = True
    settings.LOANHUB_READINESS_CACHE_SECONDS = 5
    calls = []

    def broker(*args, **kwargs):
        calls.append("broker")
        raise ConnectionRefusedError

    monkeypatch.setattr(celery_app, "connection_for_write", broker)
    for _ in range(20):
        assert client.get("/readyz", **PUBLIC).status_code == 503
    assert calls == ["broker"]  # one check for twenty probes

    cache.delete("loanhub:readyz")  # the few seconds have passed
    client.get("/readyz", **PUBLIC)
    assert calls == ["broker", "broker"]


def test_while_one_caller_recomputes_the_others_get_the_last_answer(client, settings, monkeypatch):
    settings.LOANHUB_BROKER_CONFIGURED = False
    assert client.get("/readyz").status_code == 200
    cache.delete("loanhub:readyz")  # expired
    cache.add("loanhub:readyz:lock", 1)  # another caller is checking right now
    monkeypatch.setattr("loanhub.health.health_status", mock.Mock(side_effect=AssertionError))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.services("redis")
def test_broker_up_without_worker_is_503_naming_the_worker(client, settings, monkeypatch):
    settings.LOANHUB_HEALTH_TIMEOUT = 0.5
    monkeypatch.setattr(celery_app.control, "ping", lambda timeout: [])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert response.json()["broker"]["ok"] is True


def test_readyz_refuses_post(client):
    assert client.post("/readyz").status_code == 405
