"""/healthz: 200 when the configured parts answer, 503 naming the part that does not."""

from unittest import mock

import pytest
from django.db import OperationalError

from loanhub.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_embedded_mode_is_healthy(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "in-process"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_broker_down_is_503_naming_the_broker(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = True
    settings.LOANHUB_HEALTH_TIMEOUT = 0.5
    # Nothing listens on port 1: the broker is down, whatever the machine runs.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert "broker" in body["failing"]
    assert body["broker"]["ok"] is False
    assert body["worker"] == {"ok": False, "error": "broker unavailable"}


def test_database_down_is_503_naming_the_database(client, settings):
    settings.LOANHUB_BROKER_CONFIGURED = False
    with mock.patch("loanhub.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}


@pytest.mark.services("redis")
def test_broker_up_without_worker_is_503_naming_the_worker(client, settings, monkeypatch):
    settings.LOANHUB_HEALTH_TIMEOUT = 0.5
    monkeypatch.setattr(celery_app.control, "ping", lambda timeout: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert response.json()["broker"]["ok"] is True


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
