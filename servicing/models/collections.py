"""Collections (催收): a case per delinquent loan, its promises to pay, contact log and dunning.

Close of business opens a `CollectionCase` for every active loan past due, keeps its bucket and
days past due up to date, escalates it (legal, then a write-off proposal) at the configured days
past due and closes it when the loan is cured. `servicing.collections` holds every rule; these
models keep the facts and their history (`CollectionCaseEvent`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.money import money_field
from loanhub.transitions import Transitionable


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    LEGAL = "legal", _("Escalated to legal")
    WRITE_OFF_PROPOSED = "write_off_proposed", _("Write-off proposed")
    CLOSED = "closed", _("Closed")


# Every state but closed: a loan has at most one case in them (a database constraint).
ACTIVE_CASE_STATES = (CaseStatus.OPEN, CaseStatus.LEGAL, CaseStatus.WRITE_OFF_PROPOSED)


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled (case closed)")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the customer")
    PROMISED = "promised", _("Promised to pay")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    REFUSED = "refused", _("Refused to pay")
    WRONG_NUMBER = "wrong_number", _("Wrong number or address")


class DunningChannel(models.TextChoices):
    PORTAL = "portal", _("Portal inbox")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class CollectionQueue(models.Model):
    """The collectors who work one delinquency bucket: a new case in the bucket (or one moving
    into it) goes to the queue's collector with the fewest active cases."""

    bucket = models.CharField(_("delinquency bucket"), max_length=16, unique=True)
    collectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="collection_queues", verbose_name=_("collectors")
    )

    class Meta:
        verbose_name = _("collection queue")
        verbose_name_plural = _("collection queues")
        ordering = ("bucket",)

    def __str__(self) -> str:
        return self.bucket


class CollectionCase(Transitionable, FSMModelMixin, models.Model):
    """A delinquent loan or credit line being collected (催收案件): opened by close of business on
    the first day past due, closed when it is cured (nothing past due), repaid or written off (a
    line: closed)."""

    state_field_name = "status"
    transition_actions = {
        "escalate_to_legal": pgettext_lazy("action", "escalate to legal"),
        "propose_write_off": pgettext_lazy("action", "propose a write-off"),
        "close": pgettext_lazy("action", "close"),
    }

    # One of the two: a loan's case, or a credit line's (its statement's minimum unpaid).
    loan = models.ForeignKey(
        "servicing.Loan",
        on_delete=models.PROTECT,
        related_name="collection_cases",
        verbose_name=_("loan"),
        null=True,
        blank=True,
    )
    credit_line = models.ForeignKey(
        "servicing.CreditLine",
        on_delete=models.PROTECT,
        related_name="collection_cases",
        verbose_name=_("credit line"),
        null=True,
        blank=True,
    )
    status = FSMField(
        _("status"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.OPEN,
        protected=True,
        db_index=True,
    )
    bucket = models.CharField(_("delinquency bucket"), max_length=16, db_index=True)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    max_days_past_due = models.PositiveIntegerField(_("most days past due"), default=0)
    amount_overdue = money_field(_("amount past due"), default=0)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # The last business date close of business updated the case for (a date twice: once).
    updated_for = models.DateField(_("updated for business date"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_cases",
        verbose_name=_("collector"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    write_off_proposed = models.BooleanField(_("write-off proposed"), default=False)

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        ordering = ("-days_past_due", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=~Q(status="closed"),
                name="collection_case_one_active_per_loan",
            ),
            models.UniqueConstraint(
                fields=["credit_line"],
                condition=~Q(status="closed"),
                name="collection_case_one_active_per_line",
            ),
            models.CheckConstraint(
                condition=Q(loan__isnull=False, credit_line__isnull=True)
                | Q(loan__isnull=True, credit_line__isnull=False),
                name="collection_case_loan_or_line",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "bucket"], name="collection_case_queue"),
            # The queue's order (most days past due first): a page reads an index range, not a
            # sort of every case.
            models.Index(fields=["-days_past_due", "id"], name="collection_case_by_dpd"),
        ]

    def __str__(self) -> str:
        return f"C{self.pk:08d}" if self.pk else "C(new)"

    def transition_event(self, **fields) -> CollectionCaseEvent:
        return CollectionCaseEvent(case=self, **fields)

    @property
    def is_active(self) -> bool:
        return self.status != CaseStatus.CLOSED

    @property
    def account(self):
        """The loan or the credit line collected."""
        return self.loan if self.loan_id else self.credit_line

    @transition(field=status, source=CaseStatus.OPEN, target=CaseStatus.LEGAL)
    def escalate_to_legal(self) -> None:
        """Days past due reached `LOANHUB_COLLECTIONS_LEGAL_DPD`: the case goes to legal."""

    @transition(
        field=status, source=[CaseStatus.OPEN, CaseStatus.LEGAL], target=CaseStatus.WRITE_OFF_PROPOSED
    )
    def propose_write_off(self) -> None:
        """Days past due reached `LOANHUB_COLLECTIONS_WRITE_OFF_DPD`: a write-off is proposed
        (deciding it is the write-off workflow's)."""

    @transition(field=status, source=list(ACTIVE_CASE_STATES), target=CaseStatus.CLOSED)
    def close(self) -> None:
        """Cured (nothing past due), repaid or written off."""


class CollectionCaseEvent(TransitionEvent):
    """A case's history: opened, bucket moved, assigned, escalated, promise kept or broken, closed."""

    case = models.ForeignKey(
        CollectionCase, on_delete=models.PROTECT, related_name="events", verbose_name=_("case")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("collection case event")
        verbose_name_plural = _("collection case events")

    def __str__(self) -> str:
        return f"{self.case} {self.from_state}→{self.to_state}"


class PromiseToPay(models.Model):
    """A customer's promise to pay an amount by a date (承诺还款). Kept when the payments made
    since the promise (value dates from `made_on` through `promised_date`) reach the amount;
    broken the day after the promised date otherwise (both decided by close of business)."""

    case = models.ForeignKey(
        CollectionCase, on_delete=models.PROTECT, related_name="promises", verbose_name=_("case")
    )
    amount = money_field(_("amount promised"))
    promised_date = models.DateField(_("promised by"))
    made_on = models.DateField(_("made on"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PromiseStatus.choices,
        default=PromiseStatus.PENDING,
        db_index=True,
    )
    paid = money_field(_("paid since the promise"), default=0)
    resolved_on = models.DateField(_("kept or broken on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ("-made_on", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(promised_date__gte=models.F("made_on")), name="promise_date_not_before_made"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.amount} by {self.promised_date}"


class ContactAttempt(models.Model):
    """One contact with (or attempt to reach) the customer of a case (催收记录)."""

    case = models.ForeignKey(
        CollectionCase, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("case")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    contacted_at = models.DateTimeField(_("contacted at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("collector")
    )

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ("-contacted_at", "-id")

    def __str__(self) -> str:
        return f"{self.case} {self.channel} {self.outcome}"


class DunningStep(models.Model):
    """One step of the dunning schedule (催收提醒), as data: a message sent `offset_days` before
    the next due date (negative) or on that many days past due (positive), through the
    notifications template `template_key`. Each step is sent once per loan and delinquency."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    offset_days = models.SmallIntegerField(
        _("days past due"),
        unique=True,
        help_text=_("Negative: days before the due date (a reminder); positive: days past due."),
    )
    template_key = models.SlugField(_("message template"), max_length=64)
    channel = models.CharField(
        _("channel"), max_length=8, choices=DunningChannel.choices, default=DunningChannel.PORTAL
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
        ordering = ("offset_days",)
        constraints = [models.CheckConstraint(condition=~Q(offset_days=0), name="dunning_offset_not_zero")]

    def __str__(self) -> str:
        # In the reader's language (the code is an identifier, shown in <code> in the console).
        if self.offset_days < 0:
            return _("reminder %(days)s days before the due date") % {"days": -self.offset_days}
        return _("notice at %(days)s days past due") % {"days": self.offset_days}


class DunningNotice(models.Model):
    """A dunning step sent for a loan or a credit line: unique per account, step and anchor (the
    due date a reminder is for, or the first day it was past due), so a step is sent once per
    delinquency."""

    loan = models.ForeignKey(
        "servicing.Loan",
        on_delete=models.PROTECT,
        related_name="dunning_notices",
        verbose_name=_("loan"),
        null=True,
        blank=True,
    )
    credit_line = models.ForeignKey(
        "servicing.CreditLine",
        on_delete=models.PROTECT,
        related_name="dunning_notices",
        verbose_name=_("credit line"),
        null=True,
        blank=True,
    )
    step = models.ForeignKey(
        DunningStep, on_delete=models.PROTECT, related_name="notices", verbose_name=_("step")
    )
    anchor = models.DateField(_("for the date"))
    business_date = models.DateField(_("business date"))
    message_id = models.BigIntegerField(_("message"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("dunning notice")
        verbose_name_plural = _("dunning notices")
        ordering = ("-business_date", "-id")
        constraints = [
            models.UniqueConstraint(fields=["loan", "step", "anchor"], name="dunning_notice_once"),
            models.UniqueConstraint(
                fields=["credit_line", "step", "anchor"], name="dunning_notice_once_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id or self.credit_line_id} {self.step_id} {self.anchor}"
