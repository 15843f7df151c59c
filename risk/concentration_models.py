"""The concentration limits' models (imported by risk.models; risk.concentration holds the
workflow and the checks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.transitions import Transitionable
from risk import choices as c
from risk.models import APPROVE_LIMIT, CHANGE_LIMIT  # defined before risk.models imports this module


class ConcentrationLimit(Transitionable, FSMModelMixin, models.Model):
    """A concentration limit (集中度限额) as data: the book's exposure to one product, industry,
    region, customer group or single borrower, capped as a share of the book or as an amount.

    Maker-checker: a risk analyst drafts and submits it, another activates it (the activation
    retires the active limit with the same dimension and key). A hard limit refers an application
    that would breach it (reason `concentration`); a soft one only warns. For a single borrower
    `key` is empty: the limit applies to every borrower. For a customer group `key` is the group's
    code, or empty for every group.
    """

    dimension = models.CharField(_("dimension"), max_length=16, choices=c.LimitDimension.choices)
    key = models.CharField(
        _("key"),
        max_length=100,
        blank=True,
        help_text=_(
            "product code, industry, region or customer group code; empty for a borrower or every group"
        ),
    )
    basis = models.CharField(_("basis"), max_length=8, choices=c.LimitBasis.choices)
    threshold = models.DecimalField(
        _("limit"), max_digits=20, decimal_places=4, help_text=_("a fraction (0.2500) or an amount in yuan")
    )
    severity = models.CharField(_("severity"), max_length=8, choices=c.LimitSeverity.choices)
    status = FSMField(
        _("status"), max_length=10, choices=c.LimitStatus.choices, default=c.LimitStatus.DRAFT, protected=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("maker")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checker"),
    )
    approved_at = models.DateTimeField(_("activated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    state_field_name = "status"
    transition_actions = {
        "submit": pgettext_lazy("action", "submit"),
        "activate": pgettext_lazy("action", "activate"),
        "retire": pgettext_lazy("action", "retire"),
    }

    class Meta:
        ordering = ("dimension", "key", "-id")
        verbose_name = _("concentration limit")
        verbose_name_plural = _("concentration limits")
        permissions = (("approve_concentrationlimit", _("Can activate a concentration limit")),)
        constraints = [
            models.UniqueConstraint(
                fields=("dimension", "key", "severity"),
                condition=models.Q(status="active"),
                name="risk_one_active_limit",
            ),
            models.CheckConstraint(condition=models.Q(threshold__gt=0), name="risk_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} {self.key or '*'} ≤ {self.threshold} ({self.severity})"

    def transition_event(self, **fields) -> ConcentrationLimitEvent:
        return ConcentrationLimitEvent(limit=self, **fields)

    @transition(
        field=status, source=c.LimitStatus.DRAFT, target=c.LimitStatus.PENDING, permission=CHANGE_LIMIT
    )
    def submit(self) -> None:
        """The maker asks for activation."""

    @transition(
        field=status, source=c.LimitStatus.PENDING, target=c.LimitStatus.ACTIVE, permission=APPROVE_LIMIT
    )
    def activate(self) -> None:
        """The checker (not the maker) puts the limit in force."""

    @transition(
        field=status,
        source=[c.LimitStatus.DRAFT, c.LimitStatus.PENDING, c.LimitStatus.ACTIVE],
        target=c.LimitStatus.RETIRED,
        permission=CHANGE_LIMIT,
    )
    def retire(self) -> None:
        """No longer checked."""


class ConcentrationLimitEvent(TransitionEvent):
    """A status change of a concentration limit (who submitted, activated or retired it)."""

    limit = models.ForeignKey(
        ConcentrationLimit, on_delete=models.PROTECT, related_name="events", verbose_name=_("limit")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("concentration limit event")
