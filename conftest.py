"""Suite-wide pytest set-up: fast hashing, in-process tasks, and the `services` marker."""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("LOANHUB_CHROMIUM", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("LOANHUB_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


def _service_missing(name: str) -> str | None:
    """Why the named real service is not available, or None when it is."""
    from django.conf import settings
    from django.db import connection

    if name == "postgres":
        if connection.vendor != "postgresql":
            return "DATABASE_URL does not point at PostgreSQL"
        return None
    if name == "redis":
        if not settings.LOANHUB_BROKER_CONFIGURED:
            return "CELERY_BROKER_URL is not set"
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
        except redis.RedisError as exc:
            return f"Redis at CELERY_BROKER_URL does not answer ({exc.__class__.__name__})"
        return None
    if name == "chromium":
        if not os.path.exists(CHROMIUM):
            return f"{CHROMIUM} is missing (apt-get install -y chromium)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "playwright is not installed (make install-dev)"
        return None
    raise ValueError(f"unknown service {name!r}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("services"):
        for name in marker.args:
            reason = _service_missing(name)
            if reason is None:
                continue
            if REQUIRE_SERVICES:
                pytest.fail(f"LOANHUB_REQUIRE_SERVICES=1 but {name} is unavailable: {reason}")
            pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Unit tests run tasks in-process after commit; the worker integration tests opt out."""
    from loanhub.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
