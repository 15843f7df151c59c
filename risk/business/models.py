"""Models of the business rating: the versioned rubric and each application's rating.

Imported by `risk.models`, so they belong to the risk app (its migrations, its permissions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.transitions import Transitionable

PUBLISH_BUSINESSRUBRIC = "risk.publish_businessrubric"
CHANGE_BUSINESSRUBRIC = "risk.change_businessrubric"


class RubricStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("retired")


class OverrideStatus(models.TextChoices):
    NONE = "none", _("no override")
    PENDING = "pending", _("override awaiting a second person")
    APPROVED = "approved", _("override approved")
    REJECTED = "rejected", _("override rejected")


class BusinessRubric(Transitionable, FSMModelMixin, models.Model):
    """A version of the business rating's expert scorecard: the quantitative indicators' bands, the
    qualitative assessment's indicators, choices and points, the weights, the grade cut-offs and
    each grade's PD (see `risk.business.scorecard` for the shape). Risk analysts write a draft; a
    second person publishes it (four eyes); one version is published at a time and new ratings use
    it. A published version is never changed: a change is a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = FSMField(
        _("status"), max_length=16, choices=RubricStatus.choices, default=RubricStatus.DRAFT, protected=True
    )
    definition = models.JSONField(_("definition"))
    note = models.TextField(_("what changed and why"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    state_field_name = "status"
    transition_actions = {
        "publish": pgettext_lazy("action", "publish"),
        "retire": pgettext_lazy("action", "retire"),
    }

    class Meta:
        ordering = ("-version",)
        verbose_name = _("business rating rubric")
        verbose_name_plural = _("business rating rubrics")
        permissions = (("publish_businessrubric", _("Can publish a business rating rubric")),)
        constraints = [
            models.UniqueConstraint(
                fields=("status",), condition=models.Q(status="published"), name="risk_one_published_rubric"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

    def transition_event(self, **fields) -> BusinessRubricEvent:
        return BusinessRubricEvent(rubric=self, **fields)

    @transition(
        field=status,
        source=RubricStatus.DRAFT,
        target=RubricStatus.PUBLISHED,
        permission=PUBLISH_BUSINESSRUBRIC,
    )
    def publish(self) -> None:
        """Guarded by the service as well: not by the rubric's author."""

    @transition(
        field=status,
        source=RubricStatus.PUBLISHED,
        target=RubricStatus.RETIRED,
        permission=PUBLISH_BUSINESSRUBRIC,
    )
    def retire(self) -> None:
        """Replaced by a newer published version."""


class BusinessRubricEvent(TransitionEvent):
    """A status change of a rubric version (who published or retired it)."""

    rubric = models.ForeignKey(
        BusinessRubric, on_delete=models.PROTECT, related_name="events", verbose_name=_("rubric")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("business rubric event")
        verbose_name_plural = _("business rubric events")


class BusinessRating(Transitionable, FSMModelMixin, models.Model):
    """The rating of one business customer's application: the indicators with their values and
    points, the officer's answers, the scores, the model's grade and PD, and the grade in force
    (the model's, or an officer's override once a second person approved it). Written once per
    assessment; a new assessment is a new row (the latest one counts)."""

    requester_ref = models.CharField(_("requester reference"), max_length=64, db_index=True)
    decision = models.ForeignKey(
        "risk.Decision", on_delete=models.PROTECT, related_name="business_ratings", verbose_name=_("decision")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    rubric = models.ForeignKey(
        BusinessRubric, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("rubric")
    )
    facts = models.JSONField(_("business data as rated"))
    answers = models.JSONField(_("assessment answers"))
    indicators = models.JSONField(_("indicators and points"))
    quantitative_score = models.DecimalField(_("quantitative score"), max_digits=5, decimal_places=2)
    qualitative_score = models.DecimalField(_("qualitative score"), max_digits=5, decimal_places=2)
    personal_grade = models.CharField(_("owner's personal grade"), max_length=1, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    model_grade = models.CharField(_("grade of the scorecard"), max_length=1)
    grade = models.CharField(_("grade in force"), max_length=1)
    pd = models.DecimalField(_("probability of default"), max_digits=7, decimal_places=6)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessed by")
    )
    created_at = models.DateTimeField(_("assessed"), auto_now_add=True)
    override_status = FSMField(
        _("override"),
        max_length=16,
        choices=OverrideStatus.choices,
        default=OverrideStatus.NONE,
        protected=True,
    )
    override_grade = models.CharField(_("override grade"), max_length=1, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    override_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("override requested by"),
    )

    state_field_name = "override_status"
    transition_actions = {
        "request_override": pgettext_lazy("action", "override the grade"),
        "approve_override": pgettext_lazy("action", "approve the override"),
        "reject_override": pgettext_lazy("action", "reject the override"),
    }

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("business rating")
        verbose_name_plural = _("business ratings")

    def __str__(self) -> str:
        from loanhub.refs import ref_text

        return f"{ref_text(self.requester_ref)} {self.grade} ({self.score})"

    def transition_event(self, **fields) -> BusinessRatingEvent:
        return BusinessRatingEvent(rating=self, **fields)

    @transition(
        field=override_status,
        source=[OverrideStatus.NONE, OverrideStatus.APPROVED, OverrideStatus.REJECTED],
        target=OverrideStatus.PENDING,
    )
    def request_override(self) -> None:
        """An officer asks for another grade, with a reason (checked by the service)."""

    @transition(field=override_status, source=OverrideStatus.PENDING, target=OverrideStatus.APPROVED)
    def approve_override(self) -> None:
        """A second person agrees: the override grade comes into force."""

    @transition(field=override_status, source=OverrideStatus.PENDING, target=OverrideStatus.REJECTED)
    def reject_override(self) -> None:
        """A second person refuses: the grade in force stays."""


class BusinessRatingEvent(TransitionEvent):
    """The assessment and every override step of a business rating."""

    rating = models.ForeignKey(
        BusinessRating, on_delete=models.PROTECT, related_name="events", verbose_name=_("rating")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("business rating event")
        verbose_name_plural = _("business rating events")
