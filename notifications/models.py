"""Notifications models: templates, preferences and the sent-message log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("portal inbox")


# Channels that interrupt the recipient: quiet hours apply to them (the inbox waits to be read).
PUSH_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


class MessageState(models.TextChoices):
    PENDING = "pending", _("pending")
    HELD = "held", _("held for quiet hours")
    SENT = "sent", _("sent")
    SUPPRESSED = "suppressed", _("suppressed by the recipient's preferences")
    FAILED = "failed", _("failed")


class MessageTemplate(models.Model):
    """A named message in both languages; `{{ name }}`-style placeholders are filled at sending."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_zh = models.TextField(_("body (Chinese)"))
    body_en = models.TextField(_("body (English)"))

    class Meta:
        ordering = ("key",)
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        # The subject in the reader's language (placeholders and all); the key without one.
        zh = (get_language() or "").startswith("zh")
        return (self.subject_zh if zh else self.subject_en) or self.key


class Preference(models.Model):
    """What optional (marketing) messages a user accepts per channel, and their quiet hours.

    Service messages (about their own application or loan) are always sent; quiet hours hold
    optional e-mail and SMS until they end (local time, settings.TIME_ZONE).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=True)
    portal = models.BooleanField(_("portal inbox"), default=True)
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preference of user {self.user_id}"


class Message(models.Model):
    """One message to one user on one channel: the sent-message log and the portal inbox.

    `dedupe_key` is unique: the caller names the message (e.g. "campaign:12:customer:7:email"),
    and asking again for the same key returns the first row and sends nothing more.
    `address` (e-mail or phone) is personal data: never logged, not shown in the admin.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages", verbose_name=_("user")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=16)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    optional = models.BooleanField(
        _("optional"), default=False, help_text=_("Marketing: preferences and quiet hours apply.")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=MessageState.choices, default=MessageState.PENDING
    )
    created_at = models.DateTimeField(_("created"))
    send_after = models.DateTimeField(_("held until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=("state", "send_after"), name="message_held_idx"),
            models.Index(fields=("user", "channel", "state"), name="message_inbox_idx"),
        ]

    def __str__(self) -> str:
        return _("%(channel)s message %(number)s (%(state)s)") % {
            "channel": self.get_channel_display(),
            "number": self.pk,
            "state": self.get_state_display(),
        }
