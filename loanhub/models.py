"""Kernel models: platform capabilities, the transition-event base, and worker probes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanhub.roles import CAPABILITIES


class Capability(models.Model):
    """Anchor for platform-wide permissions (reveal personal data, audit, senior approval).

    It has no table: its only purpose is to own permissions that belong to no single model.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = CAPABILITIES
        verbose_name = _("capability")

    def __str__(self) -> str:
        return "capability"


class TransitionEvent(models.Model):
    """Base of every state-change record: who moved what from which state to which, and why.

    Concrete event tables (application events, product events, …) add a foreign key to their
    subject. Rows are written by services in the same transaction as the transition itself.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),  # the console's column header, in the page's language
    )
    from_state = models.CharField(_("from state"), max_length=32)
    to_state = models.CharField(_("to state"), max_length=32)
    reason = models.TextField(_("reason"), blank=True)
    # A system reason's code and parameters (loanhub.reasons), so it is shown in the reader's
    # language; `reason` keeps the English sentence as the audit record.
    reason_code = models.CharField(_("reason code"), max_length=64, blank=True)
    reason_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        """The change as the reader says it ("草稿 → 已启动"): the states by the labels of the
        subject's state field (the subject is the foreign key to a model with
        `state_field_name`; the kernel knows no business app)."""
        labels: dict = {}
        for field in self._meta.concrete_fields:
            subject = field.related_model if field.is_relation else None
            if subject is not None and hasattr(subject, "state_field_name"):
                labels = dict(subject._meta.get_field(subject.state_field_name).flatchoices)
                break
        before, after = labels.get(self.from_state, self.from_state), labels.get(self.to_state, self.to_state)
        return f"{before or '-'} → {after}"


class AccountEvent(models.Model):
    """Something that happened to a user account's security: a log-in lockout, an unlock, a
    password change.

    The owner is told of a lockout (loanhub.lockout); officers see these events when they unlock.
    No address or password is stored.
    """

    class Kind(models.TextChoices):
        LOCKED_OUT = "locked_out", _("log-in locked after wrong passwords")
        UNLOCKED = "unlocked", _("unlocked by an officer")
        PASSWORD_CHANGED = "password_changed", _("password changed by its owner")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_events",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class TaskProbe(models.Model):
    """A row a worker writes to prove the round trip web → broker → worker → database.

    `manage.py probe_worker` and the integration tests enqueue `loanhub.tasks.probe`; a token is
    unique, so a message delivered twice still leaves one row (attempts counts the deliveries).
    """

    class State(models.TextChoices):
        STARTED = "started", _("started")
        DONE = "done", _("done")

    token = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.STARTED)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task probe")

    def __str__(self) -> str:
        return f"{self.token} ({self.state})"


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed for repeats
    (`loanhub.idempotency`, for every app's API).

    Unique per user and key; `fingerprint` is a hash of method, path and body, so the same key
    with a different request is refused instead of replayed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=("user", "key"), name="app_idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class UserSession(models.Model):
    """A signed-in browser session of a user, as the user sees it in "my sessions": when it began,
    when it was last used and the browser's (shortened) user agent. Written by
    loanhub.middleware.SessionActivityMiddleware; the session itself lives in Django's store.
    """

    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="browser_sessions",
        verbose_name=_("user"),
    )
    user_agent = models.CharField(_("browser"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("signed in"))
    last_seen = models.DateTimeField(_("last activity"))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ("-last_seen", "-id")
        indexes = [models.Index(fields=["user", "-last_seen"], name="usersession_user_seen")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.user_agent or '-'}"
