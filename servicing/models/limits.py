"""Limits that grow with good history (初期可提供较低的贷款额度，随着客户信用记录的积累和还款能力的
提高逐步提升额度): the monthly proposals of a higher credit limit or a pre-approved top-up loan.

`servicing.limits.limit_proposals_run` writes at most one proposal of each kind per customer and
month (the database refuses a second), from the customer's own repayment history with us; an
officer approves or rejects it (two different people above a threshold), small increases are
approved by the system. An approved limit increase raises the credit line's limit at once; an
approved top-up is an offer the customer sees on their pages until it expires.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.money import CURRENCIES, money_field
from loanhub.transitions import Transitionable


class LimitProposalKind(models.TextChoices):
    LIMIT_INCREASE = "limit_increase", _("Credit limit increase")
    TOP_UP = "top_up", _("Pre-approved top-up loan")


class LimitProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LimitProposal(Transitionable, FSMModelMixin, models.Model):
    """A proposal, made by the monthly job from a customer's repayment history, to raise a credit
    line's limit or to offer a pre-approved top-up loan; decided by officers (or the system below
    `LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT`). `facts` are the history figures it was made from."""

    state_field_name = "status"
    transition_actions = {
        "approve": pgettext_lazy("action", "approve"),
        "reject": pgettext_lazy("action", "reject"),
    }

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="limit_proposals",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LimitProposalKind.choices)
    # The first day of the month the job ran for: one proposal of a kind per customer and month.
    month = models.DateField(_("month"))
    credit_line = models.ForeignKey(
        "servicing.CreditLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="limit_proposals",
        verbose_name=_("credit line"),
    )
    # The loan whose history a top-up is offered on (its product is the one offered again).
    loan = models.ForeignKey(
        "servicing.Loan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="limit_proposals",
        verbose_name=_("loan"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY", choices=CURRENCIES)
    current_limit = money_field(_("current limit"), null=True, blank=True)
    # The new credit limit (an increase) or the top-up amount offered.
    proposed_amount = money_field(_("proposed amount"))
    score = models.PositiveSmallIntegerField(_("history score"))
    facts = models.JSONField(_("history facts"), default=dict, encoder=DjangoJSONEncoder)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=LimitProposalStatus.choices,
        default=LimitProposalStatus.PENDING,
        protected=True,
        db_index=True,
    )
    expires_on = models.DateField(_("offer valid until"))
    created_at = models.DateTimeField(_("proposed at"))
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
    auto_approved = models.BooleanField(_("approved by the system"), default=False)

    class Meta:
        verbose_name = _("limit proposal")
        verbose_name_plural = _("limit proposals")
        ordering = ("-month", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("customer", "kind", "month"), name="limit_proposal_one_per_kind_and_month"
            ),
            models.CheckConstraint(condition=Q(proposed_amount__gt=0), name="limit_proposal_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="top_up", loan__isnull=False)
                | Q(kind="limit_increase", credit_line__isnull=False, current_limit__isnull=False),
                name="limit_proposal_subject",
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="limit_proposal_customer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m} #{self.pk}"

    @property
    def increase(self):
        """How much a limit increase adds (None for a top-up)."""
        if self.current_limit is None:
            return None
        return self.proposed_amount - self.current_limit

    def transition_event(self, **fields) -> LimitProposalEvent:
        return LimitProposalEvent(proposal=self, **fields)

    @transition(
        field=status,
        source=LimitProposalStatus.PENDING,
        target=LimitProposalStatus.APPROVED,
        permission="servicing.change_limitproposal",
    )
    def approve(self) -> None:
        """An officer (the second, above the threshold) or the system agrees."""

    @transition(
        field=status,
        source=LimitProposalStatus.PENDING,
        target=LimitProposalStatus.REJECTED,
        permission="servicing.change_limitproposal",
    )
    def reject(self) -> None:
        """An officer refuses; nothing changes for the customer."""


class LimitProposalEvent(TransitionEvent):
    """A limit proposal's decisions: proposed, first approval, approved (by whom), rejected."""

    proposal = models.ForeignKey(
        LimitProposal, on_delete=models.PROTECT, related_name="events", verbose_name=_("proposal")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("limit proposal event")
        verbose_name_plural = _("limit proposal events")

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.from_state}→{self.to_state}"
