"""Reads of the notifications app."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Channel, Message, MessageState


def inbox_list(*, user) -> QuerySet[Message]:
    """The user's delivered portal messages, newest first."""
    return Message.objects.filter(user=user, channel=Channel.PORTAL, state=MessageState.SENT).order_by(
        "-sent_at", "-id"
    )


def inbox_unread_count(*, user) -> int:
    return inbox_list(user=user).filter(read_at__isnull=True).count()
