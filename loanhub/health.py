"""Health of the parts LoanHub is configured to use: database, broker and workers.

Two questions, asked by different callers:

- liveness (`/healthz`): does this process answer and reach its database? One `SELECT 1`, a few
  milliseconds; it never touches the broker or a worker, so a load balancer may probe it as often
  as it likes without tying up the web workers.
- readiness (`/readyz`): do the database, the broker and a worker answer, as configured? The
  broker and worker checks wait up to LOANHUB_HEALTH_TIMEOUT each, so the answer is kept in the
  cache for LOANHUB_READINESS_CACHE_SECONDS and one caller at a time recomputes it.

Which part failed, the database vendor and the broker mode are for operators only (staff users or
callers on this machine); everyone else is told ok or not ok (`public_body`).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from loanhub.cache import CACHE_ERRORS, log_outage
from loanhub.celery import app as celery_app
from loanhub.throttling import client_address

READINESS_KEY = "loanhub:readyz"
READINESS_LAST_KEY = "loanhub:readyz:last"  # the last answer, for callers while one recomputes
READINESS_LOCK_KEY = "loanhub:readyz:lock"


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not answering"; the reason is reported
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    if not settings.LOANHUB_BROKER_CONFIGURED:
        return {"ok": True, "mode": "in-process"}
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.LOANHUB_HEALTH_TIMEOUT)
    except Exception as exc:  # kombu raises many transport-specific types
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "mode": "broker"}


def _check_workers(broker_ok: bool) -> dict:
    if not settings.LOANHUB_BROKER_CONFIGURED:
        return {"ok": True, "mode": "in-process"}
    if not broker_ok:
        return {"ok": False, "error": "broker unavailable"}
    try:
        replies = celery_app.control.ping(timeout=settings.LOANHUB_HEALTH_TIMEOUT)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if not replies:
        return {"ok": False, "error": "no worker answered"}
    return {"ok": True, "count": len(replies)}


def _summary(parts: dict) -> tuple[bool, dict]:
    failing = [name for name, part in parts.items() if not part["ok"]]
    return not failing, {"status": "ok" if not failing else "fail", "failing": failing, **parts}


def liveness_status() -> tuple[bool, dict]:
    """(the database answers, details): cheap, never the broker or a worker."""
    return _summary({"database": _check_database()})


def health_status() -> tuple[bool, dict]:
    """(all configured parts answer, details per part), computed now: slow when the broker or the
    workers do not answer (up to twice LOANHUB_HEALTH_TIMEOUT)."""
    database = _check_database()
    broker = _check_broker()
    workers = _check_workers(broker["ok"])
    return _summary({"database": database, "broker": broker, "worker": workers})


def readiness_status() -> tuple[bool, dict]:
    """`health_status()` as cached for LOANHUB_READINESS_CACHE_SECONDS. While one caller
    recomputes it, the others get the last answer instead of waiting on the broker too. With the
    cache away, every call checks afresh."""
    try:
        return _readiness_cached()
    except CACHE_ERRORS as exc:
        log_outage("readiness", exc)
        return health_status()


def _readiness_cached() -> tuple[bool, dict]:
    cached = cache.get(READINESS_KEY)
    if cached is not None:
        return cached
    seconds = settings.LOANHUB_READINESS_CACHE_SECONDS
    # The lock lasts as long as the slowest check could, so a crashed caller cannot hold it forever.
    if not cache.add(READINESS_LOCK_KEY, 1, timeout=int(2 * settings.LOANHUB_HEALTH_TIMEOUT) + 1):
        last = cache.get(READINESS_LAST_KEY)
        if last is not None:
            return last
    try:
        result = health_status()
        cache.set(READINESS_KEY, result, timeout=seconds)
        cache.set(READINESS_LAST_KEY, result, timeout=max(60, 10 * seconds))
    finally:
        cache.delete(READINESS_LOCK_KEY)
    return result


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").strip()).is_loopback
    except ValueError:
        return False


def may_see_details(request) -> bool:
    """Staff users, and callers on this machine: REMOTE_ADDR is a loopback address and so is the
    client address the trusted proxies report (behind a local proxy REMOTE_ADDR is always
    127.0.0.1, whoever the client is)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return _is_loopback(request.META.get("REMOTE_ADDR")) and _is_loopback(client_address(request))


def public_body(ok: bool) -> dict:
    """What anyone may be told: ok or not ok, nothing about the parts."""
    return {"status": "ok" if ok else "fail"}
