"""Officers' classification changes (worse than the rules' floor, never better), maker-checker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.transitions import Transitionable
from servicing import choices as c
from servicing.models.loans import Loan, LoanEvent


class ClassificationChange(Transitionable, FSMModelMixin, models.Model):
    """An officer's request to classify a loan (贷款分类调整), approved by a second person."""

    state_field_name = "status"

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="classification_changes", verbose_name=_("loan")
    )
    from_class = models.CharField(_("class before"), max_length=16, choices=c.Classification.choices)
    to_class = models.CharField(_("class asked for"), max_length=16, choices=c.Classification.choices)
    reason = models.TextField(_("reason"))
    status = FSMField(
        _("status"),
        max_length=16,
        choices=c.ChangeStatus.choices,
        default=c.ChangeStatus.PENDING,
        protected=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
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
        verbose_name = _("classification change")
        verbose_name_plural = _("classification changes")
        ordering = ("-requested_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("loan",), condition=Q(status="pending"), name="classification_one_pending_per_loan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.loan}: {self.from_class} → {self.to_class}"

    def transition_event(self, **fields) -> LoanEvent:
        return LoanEvent(loan_id=self.loan_id, **fields)

    @transition(
        field=status,
        source=c.ChangeStatus.PENDING,
        target=c.ChangeStatus.APPROVED,
        permission="loanhub.senior_approve",
    )
    def approve(self) -> None:
        """The second person agrees; the loan takes the class."""

    @transition(
        field=status,
        source=c.ChangeStatus.PENDING,
        target=c.ChangeStatus.REJECTED,
        permission="loanhub.senior_approve",
    )
    def reject(self) -> None:
        """The second person disagrees; nothing changes."""
