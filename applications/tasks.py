"""Applications' periodic tasks (Celery beat): thin, each calls one idempotent service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from applications import services


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_offers(self) -> int:
    """Expire approved offers past LOANHUB_OFFER_EXPIRY_DAYS; a second run expires nothing more."""
    return services.offers_expire()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_acceptances(self) -> int:
    """Expire accepted offers not paid out within LOANHUB_ACCEPTANCE_EXPIRY_DAYS (their redeemed
    points come back); a second run expires nothing more."""
    return services.acceptances_expire()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def requeue_stuck(self) -> dict:
    """Re-drive applications stuck in submitted or scoring past LOANHUB_STUCK_AFTER_MINUTES."""
    return services.applications_requeue_stuck()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def notify_expiring_offers(self) -> int:
    """Tell customers whose offer expires within LOANHUB_OFFER_EXPIRY_NOTICE_DAYS (once per offer)."""
    from applications import notices
    from loanhub import clock

    return notices.offers_notify_expiring(now=clock.now())
