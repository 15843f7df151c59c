"""Rewards tasks: thin and idempotent (the services re-read under the account's lock)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from marketing.rewards import services


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def points_after_cob(self, business_date: str) -> int:
    """On-time points of the loans with an installment due on a closed business date."""
    return services.points_sync_due_on(business_date=dt.date.fromisoformat(business_date))


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def points_expire_due(self) -> int:
    """Daily: write the expiries of points past their expiry date."""
    return services.points_expire_due()
