"""Health of the parts LoanHub is configured to use: database, broker and workers."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from loanhub.celery import app as celery_app


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


def health_status() -> tuple[bool, dict]:
    """(all configured parts answer, details per part)."""
    database = _check_database()
    broker = _check_broker()
    workers = _check_workers(broker["ok"])
    parts = {"database": database, "broker": broker, "worker": workers}
    failing = [name for name, part in parts.items() if not part["ok"]]
    return not failing, {"status": "ok" if not failing else "fail", "failing": failing, **parts}
