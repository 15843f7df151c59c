"""Reads of the notifications app."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Channel, Message, MessageState, MessageTemplate


def inbox_list(*, user) -> QuerySet[Message]:
    """The user's delivered portal messages, newest first."""
    return Message.objects.filter(user=user, channel=Channel.PORTAL, state=MessageState.SENT).order_by(
        "-sent_at", "-id"
    )


def inbox_unread_count(*, user) -> int:
    return inbox_list(user=user).filter(read_at__isnull=True).count()


def messages_sent_to(*, user) -> QuerySet[Message]:
    """The messages sent to the user on any channel, newest first (the API's `me`)."""
    return Message.objects.filter(user=user, state=MessageState.SENT).order_by("-sent_at", "-id")


def message_event(message: Message) -> str:
    """What a message is about: callers name messages `<event>:<ids…>` in their dedupe key
    ("campaign:12:customer:7:email" → "campaign")."""
    return message.dedupe_key.split(":", 1)[0]


def template_exists(*, key: str) -> bool:
    """Whether a message template of that key is stored."""
    return MessageTemplate.objects.filter(key=key).exists()
