"""Marketing's tasks: thin, id-based, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from marketing import scheduling, services


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_campaign(self, campaign_id: int) -> int:
    """Send a launched campaign's messages; a second run sends nothing (dedupe keys)."""
    return services.campaign_send(campaign_id=campaign_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def launch_due_campaigns() -> list[int]:
    """Launch the scheduled drafts whose time has come (beat, every 5 minutes); a second run at
    once launches nothing twice (marketing.scheduling)."""
    return scheduling.campaigns_launch_due()
