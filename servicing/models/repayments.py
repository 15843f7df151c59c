"""Repayments: money received for a loan, how it was allocated, and its reversal."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.money import money_field
from loanhub.transitions import Transitionable
from servicing import choices as c
from servicing.models.loans import Loan, LoanEvent


class Repayment(Transitionable, FSMModelMixin, models.Model):
    """A payment received for a loan (还款), valued on `value_date`.

    The allocation columns are where the money went in the loan's current replay: a backdated
    payment or a reversal of an earlier one may move them (the ledger books the difference as an
    adjustment); `allocation_lines` gives them per installment. A reversed repayment keeps its row.
    """

    state_field_name = "status"

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("loan")
    )
    amount = money_field(_("amount"))
    value_date = models.DateField(_("value date"), db_index=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=c.RepaymentChannel.choices)
    # A business key that makes a second posting of the same money impossible (a statement
    # line's hash, a payment backend's transaction id); empty for manual entries.
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=c.RepaymentStatus.choices,
        default=c.RepaymentStatus.POSTED,
        protected=True,
    )
    fees = money_field(_("to fees"), default=Decimal("0.00"))
    penalty = money_field(_("to penalty interest"), default=Decimal("0.00"))
    interest = money_field(_("to interest"), default=Decimal("0.00"))
    principal = money_field(_("to principal"), default=Decimal("0.00"))
    overpayment = money_field(_("held as credit"), default=Decimal("0.00"))
    allocation_lines = models.JSONField(
        _("allocation by installment"), default=list, encoder=DjangoJSONEncoder
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("posted by"),
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reversed by"),
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ("-value_date", "-id")
        indexes = [models.Index(fields=["loan", "value_date", "id"], name="repayment_loan_value")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
            models.UniqueConstraint(
                fields=("external_id",), condition=~Q(external_id=""), name="repayment_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"R{self.pk:08d}" if self.pk else "R-new"

    def transition_event(self, **fields) -> LoanEvent:
        return LoanEvent(loan_id=self.loan_id, **fields)

    @property
    def allocation(self) -> dict[str, Decimal]:
        return {k: getattr(self, k) for k in ("fees", "penalty", "interest", "principal", "overpayment")}

    @transition(
        field=status,
        source=c.RepaymentStatus.POSTED,
        target=c.RepaymentStatus.REVERSED,
        permission="servicing.change_repayment",
    )
    def reverse(self) -> None:
        """A bounced debit or a mistaken entry: the loan is replayed without it."""
