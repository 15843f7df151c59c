"""The models of customers' suggestions in the product managers' queue (imported by
marketing.models; see marketing.crm for the workflow)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.permissions import may
from loanhub.transitions import Transitionable
from marketing.models import NpsSurvey  # defined before marketing.models imports this module


class SuggestionState(models.TextChoices):
    NEW = "new", _("new")
    PLANNED = "planned", _("planned")
    DECLINED = "declined", _("declined")
    DONE = "done", _("done")


def may_triage_suggestions(suggestion: Suggestion, user) -> bool:
    return may(user, "marketing.change_suggestion")


class Suggestion(Transitionable, FSMModelMixin, models.Model):
    """A customer's suggestion (from the portal or a survey's free text), in a product manager's
    queue until planned, declined or done."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    text = models.TextField(_("suggestion"))
    product_code = models.CharField(_("product"), max_length=32, blank=True, db_index=True)
    survey = models.ForeignKey(
        NpsSurvey,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
        verbose_name=_("survey"),
    )
    state = FSMField(
        _("state"),
        max_length=12,
        choices=SuggestionState.choices,
        default=SuggestionState.NEW,
        protected=True,
    )
    response = models.TextField(_("product manager's note"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    transition_actions = {
        "plan": pgettext_lazy("action", "plan"),
        "decline": pgettext_lazy("action", "decline"),
        "finish": pgettext_lazy("action", "finish"),
    }

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("customer suggestion")
        verbose_name_plural = _("customer suggestions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:40]}"

    def transition_event(self, **fields) -> SuggestionEvent:
        return SuggestionEvent(suggestion=self, **fields)

    @transition(
        field=state,
        source=SuggestionState.NEW,
        target=SuggestionState.PLANNED,
        permission=may_triage_suggestions,
    )
    def plan(self) -> None:
        """Taken into the product plan."""

    @transition(
        field=state,
        source=(SuggestionState.NEW, SuggestionState.PLANNED),
        target=SuggestionState.DECLINED,
        permission=may_triage_suggestions,
    )
    def decline(self) -> None:
        """Not taken up (the note says why)."""

    @transition(
        field=state,
        source=SuggestionState.PLANNED,
        target=SuggestionState.DONE,
        permission=may_triage_suggestions,
    )
    def finish(self) -> None:
        """Shipped."""


class SuggestionEvent(TransitionEvent):
    """A suggestion's moves through the product manager's queue."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.PROTECT, related_name="events", verbose_name=_("suggestion")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")
