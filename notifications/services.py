"""Writes of the notifications app: send (log, then deliver after commit), deliver, release.

`message_send` is what business apps call. It writes one Message row per dedupe key (unique in
the database) and enqueues its delivery when the transaction commits; calling it again with the
same key returns the existing row and enqueues nothing. `message_deliver` (the task's body)
re-reads the row under a lock and does nothing unless it is still pending, so a task delivered
twice sends once. Optional messages on a push channel that fall in the recipient's quiet hours
are held until the hours end; `messages_release_due` (beat) sends them then.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from loanhub import clock
from loanhub.celery import enqueue_on_commit
from notifications import backends
from notifications.errors import NotificationInvalid
from notifications.models import PUSH_CHANNELS, Channel, Message, MessageState, MessageTemplate, Preference

logger = logging.getLogger(__name__)

# Plain-text rendering: no auto-escaping (these are not HTML), no template tags beyond the builtins.
_ENGINE = Engine(autoescape=False)


def render_text(text: str, context: dict) -> str:
    """Fill `{{ placeholders }}` in a message text (Django template syntax, plain text)."""
    return _ENGINE.from_string(text).render(Context(context, autoescape=False)).strip()


def template_variables(text: str) -> set[str]:
    """The names a message text reads (`{{ name }}`, `{{ name|upper }}`, `{{ a.b }}` → "a"), in
    its body and inside its tags' blocks; raises TemplateSyntaxError for a text that does not parse."""
    from django.template.base import Variable, VariableNode

    names: set[str] = set()
    for node in _ENGINE.from_string(text).nodelist.get_nodes_by_type(VariableNode):
        variables = [node.filter_expression.var]
        variables += [arg for _func, args in node.filter_expression.filters for _lookup, arg in args]
        for var in variables:
            if isinstance(var, Variable) and var.lookups:
                names.add(var.lookups[0])
    return names


def _parse_time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def default_quiet_hours() -> tuple[dt.time, dt.time] | None:
    """settings.NOTIFICATIONS_QUIET_HOURS ("21:00-08:00"; empty for none)."""
    value = settings.NOTIFICATIONS_QUIET_HOURS
    if not value:
        return None
    start, end = value.split("-")
    return _parse_time(start), _parse_time(end)


def quiet_until(moment: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """The end of the quiet hours `moment` falls in (local time), or None when outside them.

    A window whose start is after its end crosses midnight (21:00–08:00).
    """
    local = timezone.localtime(moment)
    at = local.time()
    if start == end:
        return None
    if start < end:
        inside = start <= at < end
        end_day = local.date()
    else:
        inside = at >= start or at < end
        end_day = local.date() + dt.timedelta(days=1) if at >= start else local.date()
    if not inside:
        return None
    return timezone.make_aware(dt.datetime.combine(end_day, end), local.tzinfo)


def _quiet_hours_for(user) -> tuple[dt.time, dt.time] | None:
    preference = Preference.objects.filter(user=user).first()
    if preference is not None and preference.quiet_start is not None and preference.quiet_end is not None:
        return preference.quiet_start, preference.quiet_end
    return default_quiet_hours()


def _channel_allowed(user, channel: str) -> bool:
    preference = Preference.objects.filter(user=user).first()
    return preference is None or bool(getattr(preference, channel))


def template_texts(key: str, language: str) -> tuple[str, str]:
    """(subject, body) of a stored template in the language (Chinese unless English)."""
    template = MessageTemplate.objects.filter(key=key).first()
    if template is None:
        raise NotificationInvalid({"template": [_("Unknown message template.")]})
    if language.startswith("en"):
        return template.subject_en, template.body_en
    return template.subject_zh, template.body_zh


def message_send(
    *,
    user,
    channel: str,
    dedupe_key: str,
    body: str,
    subject: str = "",
    context: dict | None = None,
    address: str = "",
    language: str = "zh-hans",
    optional: bool = False,
) -> tuple[Message, bool]:
    """Log a message and deliver it after commit. Returns (message, created).

    `body`/`subject` are texts with placeholders filled from `context`. E-mail and SMS need an
    `address`. An existing `dedupe_key` returns that message and sends nothing again.
    """
    if channel not in Channel.values:
        raise NotificationInvalid({"channel": [_("Unknown channel.")]})
    if channel in PUSH_CHANNELS and not address:
        raise NotificationInvalid({"address": [_("An e-mail or SMS needs an address.")]})
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    context = context or {}
    # Dates and numbers in the message's language, not whichever the caller had active.
    with translation.override(language):
        subject, body = render_text(subject, context)[:200], render_text(body, context)
    fields = {
        "user": user,
        "channel": channel,
        "address": address,
        "language": language,
        "subject": subject,
        "body": body,
        "optional": optional,
        "created_at": clock.now(),
    }
    if optional and not _channel_allowed(user, channel):
        fields["state"] = MessageState.SUPPRESSED
    try:
        with transaction.atomic():
            message = Message.objects.create(dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        # A concurrent twin won the unique key: theirs is the message.
        return Message.objects.get(dedupe_key=dedupe_key), False
    if message.state == MessageState.PENDING:
        from notifications import tasks

        enqueue_on_commit(tasks.deliver, message.pk)
    return message, True


def message_send_template(*, key: str, language: str = "zh-hans", **kwargs) -> tuple[Message, bool]:
    """`message_send` with the subject and body of a stored template."""
    subject, body = template_texts(key, language)
    return message_send(subject=subject, body=body, language=language, **kwargs)


def delivery_key(message: Message) -> str:
    """The message's key at the provider, the same on every attempt (see notifications.backends)."""
    return f"loanhub-message-{message.pk}"


def _deliver(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        backends.send_email(
            to=message.address, subject=message.subject, body=message.body, key=delivery_key(message)
        )
    elif message.channel == Channel.SMS:
        backends.send_sms(to=message.address, body=message.body, key=delivery_key(message))
    # The portal inbox is the row itself: marking it sent makes it visible.


def message_deliver(*, message_id: int) -> Message | None:
    """Deliver a pending message once (idempotent: any other state is left as it is)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.state not in (MessageState.PENDING, MessageState.HELD):
            return message
        now = clock.now()
        if message.state == MessageState.HELD and message.send_after and message.send_after > now:
            return message
        if message.optional and message.channel in PUSH_CHANNELS:
            hours = _quiet_hours_for(message.user)
            until = quiet_until(now, *hours) if hours else None
            if until is not None:
                message.state = MessageState.HELD
                message.send_after = until
                message.save(update_fields=["state", "send_after"])
                return message
        message.attempts += 1
        try:
            _deliver(message)
        except Exception as exc:  # noqa: BLE001 - any backend failure is recorded, not re-sent blindly
            message.state = MessageState.FAILED
            message.last_error = exc.__class__.__name__[:200]
            message.save(update_fields=["state", "attempts", "last_error"])
            logger.warning("message %s failed on %s: %s", message.pk, message.channel, message.last_error)
            return message
        message.state = MessageState.SENT
        message.sent_at = now
        message.save(update_fields=["state", "sent_at", "attempts"])
    logger.info("message %s sent on %s", message.pk, message.channel)
    return message


def messages_release_due(*, limit: int = 500) -> int:
    """Send the held messages whose quiet hours are over; returns how many were sent."""
    ids = list(
        Message.objects.filter(state=MessageState.HELD, send_after__lte=clock.now())
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        message = message_deliver(message_id=message_id)
        sent += int(message is not None and message.state == MessageState.SENT)
    return sent


def message_mark_read(*, user, message_id: int) -> Message:
    """Mark one of the user's own inbox messages read (another user's is not found)."""
    message = Message.objects.get(pk=message_id, user=user, channel=Channel.PORTAL)
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def preference_set(*, user, **fields) -> Preference:
    """Create or update the user's notification preferences."""
    allowed = {"email", "sms", "portal", "quiet_start", "quiet_end"}
    unknown = set(fields) - allowed
    if unknown:
        raise NotificationInvalid({name: [_("Unknown preference.")] for name in sorted(unknown)})
    preference, _created = Preference.objects.update_or_create(user=user, defaults=fields)
    return preference
