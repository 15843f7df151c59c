"""Changes to a live loan's schedule: prepayments (提前还款), deferrals (延期还款), restructurings
(重组) and write-offs (核销, maker-checker like the others; they change the loan, not its rows).

A change stores what the customer was shown (the quote, the new schedule) and the rows of the
schedule it replaced, so both can be proven later. A prepayment is applied at once, when the
customer confirms the quote; a deferral waits for an officer (two above
`LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT`) and is applied on approval.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.money import money_field
from loanhub.transitions import Transitionable
from servicing import choices as c
from servicing.models.loans import Loan, LoanEvent
from servicing.models.repayments import Repayment


class ScheduleChange(Transitionable, FSMModelMixin, models.Model):
    """One change of a loan's schedule: a partial prepayment, a full payoff, a deferral, a
    restructuring or a write-off.

    `quote` is the answer the customer saw (fee, interest saved, amount to pay, the new
    schedule); `replaced_rows` the installments it replaced. `base_version` is the loan's
    `schedule_version` the quote was made on: a change is applied only to that version.
    """

    state_field_name = "status"
    transition_actions = {
        "approve": pgettext_lazy("action", "approve"),
        "reject": pgettext_lazy("action", "reject"),
    }

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="schedule_changes", verbose_name=_("loan")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=c.ScheduleChangeKind.choices)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=c.ChangeStatus.choices,
        default=c.ChangeStatus.PENDING,
        protected=True,
    )
    # The engine's arguments (value date, principal prepaid, mode; first installment, count).
    params = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    quote = models.JSONField(_("quote as shown"), default=dict, encoder=DjangoJSONEncoder)
    replaced_rows = models.JSONField(
        _("installments replaced"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    # Cash posted (a prepayment) or the installments' amount deferred (a deferral).
    amount = money_field(_("amount"))
    base_version = models.PositiveIntegerField(_("schedule version quoted"))
    reason = models.TextField(_("reason"), blank=True)
    repayment = models.OneToOneField(
        Repayment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedule_change",
        verbose_name=_("posting"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    request_hash = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first approval by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("schedule change")
        verbose_name_plural = _("schedule changes")
        ordering = ("-requested_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("loan", "idempotency_key"),
                condition=~Q(idempotency_key=""),
                name="schedule_change_unique_key",
            ),
            models.UniqueConstraint(
                fields=("loan",),
                condition=Q(status="pending"),
                name="schedule_change_one_pending_per_loan",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="schedule_change_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.kind} #{self.pk}"

    @property
    def has_first_approval(self) -> bool:
        return self.first_approved_by_id is not None

    def transition_event(self, **fields) -> LoanEvent:
        return LoanEvent(loan_id=self.loan_id, **fields)

    @transition(
        field=status,
        source=c.ChangeStatus.PENDING,
        target=c.ChangeStatus.APPROVED,
        permission="servicing.change_schedulechange",
    )
    def approve(self) -> None:
        """An officer (the second, above the threshold) agrees; the new schedule applies."""

    @transition(
        field=status,
        source=c.ChangeStatus.PENDING,
        target=c.ChangeStatus.REJECTED,
        permission="servicing.change_schedulechange",
    )
    def reject(self) -> None:
        """An officer refuses; the schedule stays as it was."""
