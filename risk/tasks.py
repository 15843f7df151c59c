"""Risk tasks (queue `risk`): thin, take ids, call an idempotent service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from risk import services
from risk.bureau import BureauUnavailable


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, BureauUnavailable),
    retry_backoff=True,
    max_retries=5,
)
def score_request(self, request_id: int) -> str:
    """Score one ScoringRequest; a second delivery finds it scored and changes nothing."""
    return services.scoring_request_process(request_id=request_id).state
