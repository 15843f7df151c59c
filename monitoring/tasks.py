"""Monitoring's tasks (the `monitoring` queue): thin, each calls one idempotent service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from monitoring import rescore, services


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def run_monitoring(self, as_of: str) -> dict:
    """Rebuild the aggregates of a closed business date (after its close of business)."""
    result = services.run_monitoring(dt.date.fromisoformat(as_of))
    return {**result, "as_of": as_of}


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rescore_portfolio(self, as_of: str | None = None) -> dict:
    """Rescore the loans on the book (default: on the last closed business date); idempotent."""
    result = rescore.loans_rescore(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return {**result, "as_of": result["as_of"].isoformat() if result["as_of"] else None}
