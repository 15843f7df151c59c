"""The models of a product promotion's pilot (imported by marketing.models; see marketing.pilots
for the workflow)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.permissions import may
from loanhub.transitions import Transitionable
from marketing.models import PilotGroup  # defined before marketing.models imports this module


class PromotionPilotState(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("running")
    ENDED = "ended", _("ended")


def may_run_pilots(pilot: PromotionPilot, user) -> bool:
    return may(user, "marketing.change_promotionpilot")


class PromotionPilot(Transitionable, FSMModelMixin, models.Model):
    """A pilot (试点) of one promotion of a product, on its own (no campaign message): while it
    runs, the promotion reaches only the pilot group — the segment's members in these regions and
    this stable share of them, through these sales channels — and the other members are its control,
    priced without it. The pilot's funnel is read beside the control's. Keyed by product and
    promotion code, so it holds across the product's versions."""

    name = models.CharField(_("name"), max_length=120)
    product_code = models.CharField(_("product"), max_length=32)
    promotion_code = models.SlugField(_("promotion code"), max_length=32)
    segment = models.ForeignKey(
        "marketing.Segment",
        on_delete=models.PROTECT,
        related_name="promotion_pilots",
        verbose_name=_("eligible customers (segment)"),
    )
    regions = models.JSONField(_("pilot: regions"), default=list, blank=True)
    channels = models.JSONField(_("pilot: sales channels"), default=list, blank=True)
    share = models.PositiveSmallIntegerField(
        _("pilot: share of the eligible customers (%)"), null=True, blank=True
    )
    state = FSMField(
        _("state"),
        max_length=16,
        choices=PromotionPilotState.choices,
        default=PromotionPilotState.DRAFT,
        protected=True,
    )
    segment_run = models.ForeignKey(
        "marketing.SegmentRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("segment run"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    transition_actions = {
        "start": pgettext_lazy("action", "start the pilot"),
        "end": pgettext_lazy("action", "end the pilot"),
    }

    class Meta:
        app_label = "marketing"
        ordering = ("-id",)
        verbose_name = _("promotion pilot")
        verbose_name_plural = _("promotion pilots")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share__isnull=True) | models.Q(share__gte=1, share__lte=100),
                name="promotion_pilot_share_percent",
            ),
            models.UniqueConstraint(
                fields=("product_code", "promotion_code"),
                condition=models.Q(state="running"),
                name="promotion_pilot_one_running",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def randomised(self) -> bool:
        """Only a share split alone makes the control a random one."""
        return not self.regions and not self.channels

    def transition_event(self, **fields) -> PromotionPilotEvent:
        return PromotionPilotEvent(pilot=self, **fields)

    @transition(
        field=state,
        source=PromotionPilotState.DRAFT,
        target=PromotionPilotState.RUNNING,
        permission=may_run_pilots,
    )
    def start(self) -> None:
        """Snapshot the segment and split it into the pilot group and the control."""

    @transition(
        field=state,
        source=PromotionPilotState.RUNNING,
        target=PromotionPilotState.ENDED,
        permission=may_run_pilots,
    )
    def end(self) -> None:
        """Stop limiting the promotion: from now on its own terms alone decide who gets it."""


class PromotionPilotEvent(TransitionEvent):
    """A promotion pilot's state changes: who started or ended it, when."""

    pilot = models.ForeignKey(
        PromotionPilot, on_delete=models.PROTECT, related_name="events", verbose_name=_("pilot")
    )

    class Meta(TransitionEvent.Meta):
        app_label = "marketing"
        verbose_name = _("promotion pilot event")
        verbose_name_plural = _("promotion pilot events")


class PilotMember(models.Model):
    """One eligible customer of a promotion pilot, in the pilot group or the control (stable)."""

    pilot = models.ForeignKey(
        PromotionPilot, on_delete=models.PROTECT, related_name="members", verbose_name=_("pilot")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    group = models.CharField(_("pilot group"), max_length=8, choices=PilotGroup.choices)
    assigned_at = models.DateTimeField(_("assigned"))

    class Meta:
        app_label = "marketing"
        ordering = ("id",)
        verbose_name = _("pilot member")
        verbose_name_plural = _("pilot members")
        constraints = [
            models.UniqueConstraint(fields=("pilot", "customer"), name="pilot_member_unique_customer")
        ]
        indexes = [models.Index(fields=("customer", "group"), name="pilot_member_customer_idx")]

    def __str__(self) -> str:
        return f"{self.pilot} → {self.customer} ({self.get_group_display()})"
