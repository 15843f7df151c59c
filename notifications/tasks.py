"""Notifications' tasks (queue `notifications`): thin, id-based, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from notifications import services


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def deliver(self, message_id: int) -> str | None:
    """Deliver one logged message; a second delivery of the same task sends nothing."""
    message = services.message_deliver(message_id=message_id)
    return message.state if message is not None else None


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def release_held(self) -> int:
    """Beat: send the messages held by quiet hours whose hours are over."""
    return services.messages_release_due()
