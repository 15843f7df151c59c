"""Risk models: the scorecard registry, rules, blocklist, demo credit files, scoring requests,
immutable decisions and shadow scores."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from loanhub.errors import Conflict
from loanhub.models import TransitionEvent
from loanhub.money import money_field, rate_field
from loanhub.permissions import may_any
from loanhub.transitions import Transitionable
from risk import choices as c
from risk.rules import RuleSpec, validate_rule

# Named permissions of the risk app (granted to Risk Analysts by loanhub.roles: "risk.*").
PROMOTE_SCOREMODEL = "risk.promote_scoremodel"  # put a model in production (four eyes on top)
CHANGE_SCOREMODEL = "risk.change_scoremodel"  # retire a model, start or stop shadow scoring
RETRY_SCORINGREQUEST = "risk.change_scoringrequest"  # put a failed scoring request back in the queue
ADD_RISKRULE = "risk.add_riskrule"  # write a new policy or fraud rule
CHANGE_RISKRULE = "risk.change_riskrule"  # change (or switch off) an existing rule
WRITE_ASSESSMENT = "risk.add_impactassessment"  # write a model's impact assessment
SIGN_OFF_ASSESSMENT = "risk.sign_off_impactassessment"  # sign off one written by someone else
CHANGE_LIMIT = "risk.change_concentrationlimit"  # draft or submit a concentration limit
APPROVE_LIMIT = "risk.approve_concentrationlimit"  # activate one drafted by someone else


def may_retire_model(instance, user) -> bool:
    """Who may change models may retire one; who may promote retires the champion it replaces."""
    return may_any(user, CHANGE_SCOREMODEL, PROMOTE_SCOREMODEL)


class ScoreModel(Transitionable, FSMModelMixin, models.Model):
    """A versioned credit scorecard (信用评分卡) in the model registry.

    The artifact (bins, WOEs, coefficients, points, grade cut-offs) is stored as canonical JSON
    with its SHA-256, which is checked on every load. Lifecycle: candidate → champion → retired;
    one champion at a time; a candidate marked `shadow` is a challenger that scores every request
    alongside the champion without affecting decisions.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=c.ModelStatus.choices,
        default=c.ModelStatus.CANDIDATE,
        protected=True,
    )
    shadow = models.BooleanField(_("challenger (shadow scoring)"), default=False)
    dataset = models.CharField(_("training data set"), max_length=40)
    binner = models.CharField(_("binning"), max_length=20)
    seed = models.BigIntegerField(_("seed"))
    artifact = models.TextField(_("artifact (JSON)"))
    artifact_sha256 = models.CharField(_("artifact SHA-256"), max_length=64)
    training_data_sha256 = models.CharField(_("training data SHA-256"), max_length=64)
    features = models.JSONField(_("features"), default=list)
    report = models.JSONField(_("validation report"), default=dict)
    training_seconds = models.FloatField(_("training time (s)"), default=0)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("trained by"),
    )
    trained_at = models.DateTimeField(_("trained"), auto_now_add=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("promoted by"),
    )
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    state_field_name = "status"
    transition_actions = {
        "promote": pgettext_lazy("action", "promote"),
        "retire": pgettext_lazy("action", "retire"),
    }

    class Meta:
        ordering = ("-version",)
        verbose_name = _("score model")
        verbose_name_plural = _("score models")
        permissions = (("promote_scoremodel", _("Can promote a score model to champion")),)
        constraints = [
            models.UniqueConstraint(
                fields=("status",), condition=models.Q(status="champion"), name="risk_one_champion"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

    def transition_event(self, **fields) -> ScoreModelEvent:
        return ScoreModelEvent(model=self, **fields)

    @transition(
        field=status,
        source=c.ModelStatus.CANDIDATE,
        target=c.ModelStatus.CHAMPION,
        permission=PROMOTE_SCOREMODEL,
    )
    def promote(self) -> None:
        """Guarded by the service as well: four eyes, a verified artifact."""

    @transition(
        field=status,
        source=[c.ModelStatus.CANDIDATE, c.ModelStatus.CHAMPION],
        target=c.ModelStatus.RETIRED,
        permission=may_retire_model,
    )
    def retire(self) -> None:
        """A retired model scores nothing."""


class ScoreModelEvent(TransitionEvent):
    """A status change of a score model (who promoted or retired it, and why)."""

    model = models.ForeignKey(
        ScoreModel, on_delete=models.PROTECT, related_name="events", verbose_name=_("model")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("score model event")


class RiskRule(models.Model):
    """A policy or fraud rule (data, not code): a check with parameters, an outcome and a reason in
    both languages. Global when `product_code` is blank, else only for that product."""

    code = models.CharField(_("code"), max_length=40)
    product_code = models.CharField(
        _("product code"), max_length=50, blank=True, help_text=_("Blank: every product.")
    )
    kind = models.CharField(_("check"), max_length=20, choices=c.RuleCheck.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=c.RuleOutcome.choices)
    reason_zh = models.CharField(_("reason (Chinese)"), max_length=200)
    reason_en = models.CharField(_("reason (English)"), max_length=200)
    feature = models.CharField(_("feature"), max_length=40, blank=True)
    operator = models.CharField(_("operator"), max_length=10, choices=c.Operator.choices, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=20, decimal_places=6, null=True, blank=True)
    threshold_high = models.DecimalField(
        _("upper threshold"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    values = models.JSONField(_("values"), default=list, blank=True)
    product_attribute = models.CharField(_("product limit"), max_length=40, blank=True)
    identifier = models.CharField(
        _("identifier"), max_length=20, choices=c.IdentifierKind.choices, blank=True
    )
    window_hours = models.PositiveIntegerField(_("window (hours)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("code", "product_code")
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        constraints = [models.UniqueConstraint(fields=("code", "product_code"), name="risk_rule_unique_code")]

    def __str__(self) -> str:
        # Named by its reason in the reader's language (the code is an identifier, shown as one).
        from django.utils.translation import get_language

        chinese = (get_language() or "").lower().startswith("zh")
        name = (self.reason_zh if chinese else self.reason_en) or self.code
        return name if not self.product_code else f"{name} [{self.product_code}]"

    def spec(self) -> RuleSpec:
        return RuleSpec(
            code=self.code,
            kind=self.kind,
            outcome=self.outcome,
            reason_zh=self.reason_zh,
            reason_en=self.reason_en,
            feature=self.feature,
            operator=self.operator,
            threshold=Decimal(self.threshold) if self.threshold is not None else None,
            threshold_high=Decimal(self.threshold_high) if self.threshold_high is not None else None,
            values=tuple(self.values or ()),
            product_attribute=self.product_attribute,
            identifier=self.identifier,
            window_hours=self.window_hours,
            product_code=self.product_code,
        )

    def clean(self) -> None:
        errors = validate_rule(self.spec())
        if errors:
            raise ValidationError(errors)


class BlocklistEntry(models.Model):
    """An identity number, phone or device on the internal blocklist (stored as a keyed hash)."""

    identifier = models.CharField(_("identifier"), max_length=20, choices=c.IdentifierKind.choices)
    value_hash = models.CharField(_("value (hash)"), max_length=64)
    reason = models.CharField(_("reason"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocklist entry")
        verbose_name_plural = _("blocklist entries")
        constraints = [
            models.UniqueConstraint(fields=("identifier", "value_hash"), name="risk_blocklist_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_identifier_display()} #{self.pk}"


class CreditFile(models.Model):
    """A credit-bureau file (征信报告) of the local demo bureau, keyed by the identity hash."""

    id_number_hash = models.CharField(_("identity (hash)"), max_length=64, unique=True)
    credit_history = models.CharField(_("credit history"), max_length=20)
    existing_credits = models.PositiveIntegerField(_("open credits"))
    other_installment_plans = models.CharField(_("other instalment plans"), max_length=10)
    monthly_debt = money_field(_("monthly debt payments"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("credit file")
        verbose_name_plural = _("credit files")

    def __str__(self) -> str:
        return gettext("credit file #%(id)s") % {"id": self.pk}


class BureauInquiry(models.Model):
    """A credit inquiry another lender made at the local demo bureau (查询记录): the person applied
    for credit elsewhere (多头借贷). Keyed by the identity hash like `CreditFile`; early warning
    asks the bureau for its borrowers' recent inquiries after each close of business."""

    id_number_hash = models.CharField(_("identity (hash)"), max_length=64)
    inquired_on = models.DateField(_("inquired on"))
    institution = models.CharField(_("institution"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=40, default="loan_application")

    class Meta:
        verbose_name = _("bureau inquiry")
        verbose_name_plural = _("bureau inquiries")
        ordering = ("-inquired_on", "id")
        indexes = [models.Index(fields=["id_number_hash", "inquired_on"], name="bureau_inquiry_person_day")]
        constraints = [
            models.UniqueConstraint(
                fields=("id_number_hash", "inquired_on", "institution"), name="bureau_inquiry_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"inquiry …{self.id_number_hash[-6:]} {self.inquired_on} {self.institution}"


class ScoringRequest(Transitionable, FSMModelMixin, models.Model):
    """A request to score one application: the stated features, the product terms as used, and who
    asked (`requester_ref`, e.g. "applications.LoanApplication:42") so risk never imports the
    requester.

    No raw identifier is stored: the identity number, phone and device are kept as keyed hashes
    (velocity, blocklist and shared-identifier checks), and the worker reads the customer's
    identity number from `customers` at scoring time only to ask the bureau.
    """

    requester_ref = models.CharField(_("requester"), max_length=100, db_index=True)
    product_ref = models.CharField(_("product version"), max_length=100, blank=True)
    product_terms = models.JSONField(_("product terms"))
    features = models.JSONField(_("features"))
    # Null only for requests stored before requests referred to their customer.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    id_number_hash = models.CharField(max_length=64, db_index=True, verbose_name=_("id number hash"))
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("phone hash"))
    device_hash = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("device hash"))
    # The customer's own repayment history with LoanHub, as the requester found it (empty for a
    # new customer): months_on_book, on_time_ratio, days_past_due, late_recently (see
    # risk.rules.INTERNAL_HISTORY). Rules test them as internal_<name>.
    internal_history = models.JSONField(_("internal repayment history"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    state = FSMField(
        _("state"),
        max_length=16,
        choices=c.RequestState.choices,
        default=c.RequestState.PENDING,
        protected=True,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("scoring request")
        verbose_name_plural = _("scoring requests")

    def __str__(self) -> str:
        from loanhub.refs import ref_text

        return f"#{self.pk} {ref_text(self.requester_ref)} ({self.get_state_display()})"

    def transition_event(self, **fields) -> ScoringRequestEvent:
        return ScoringRequestEvent(request=self, **fields)

    @transition(field=state, source=c.RequestState.PENDING, target=c.RequestState.SCORED)
    def mark_scored(self) -> None:
        pass

    @transition(field=state, source=c.RequestState.PENDING, target=c.RequestState.FAILED)
    def mark_failed(self) -> None:
        pass

    @transition(field=state, source=c.RequestState.PENDING, target=c.RequestState.INVALID)
    def mark_invalid(self) -> None:
        pass

    @transition(
        field=state,
        source=c.RequestState.FAILED,
        target=c.RequestState.PENDING,
        permission=RETRY_SCORINGREQUEST,
    )
    def retry(self) -> None:
        pass


class ScoringRequestEvent(TransitionEvent):
    """A state change of a scoring request."""

    request = models.ForeignKey(
        ScoringRequest, on_delete=models.PROTECT, related_name="events", verbose_name=_("request")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("scoring request event")


class ImmutableError(Conflict):
    """A decision is never changed or deleted once written."""


class Decision(models.Model):
    """The explained credit decision for one scoring request, immutable once written."""

    request = models.OneToOneField(
        ScoringRequest, on_delete=models.PROTECT, related_name="decision", verbose_name=_("request")
    )
    model = models.ForeignKey(
        ScoreModel, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("model")
    )
    model_sha256 = models.CharField(max_length=64, verbose_name=_("model SHA-256"))
    features = models.JSONField(_("features"))
    points = models.JSONField(_("points per feature"))
    score = models.IntegerField(_("score"))
    grade = models.CharField(_("risk grade"), max_length=1)
    pd = models.DecimalField(_("probability of default (grade)"), max_digits=7, decimal_places=6)
    pd_model = models.DecimalField(_("probability of default (score)"), max_digits=7, decimal_places=6)
    rules_fired = models.JSONField(_("rules fired"), default=list)
    outcome = models.CharField(_("outcome"), max_length=10, choices=c.Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    requested_amount = money_field(_("requested amount"))
    approved_limit = money_field(_("approved limit"))
    limit_basis = models.JSONField(_("limit basis"), default=dict)
    offer = models.JSONField(_("offer terms"), default=dict, blank=True)
    offer_rate = rate_field(_("offer rate"), null=True, blank=True)
    offer_apr = rate_field(_("offer APR"), null=True, blank=True)
    offer_installment = money_field(_("offer installment"), null=True, blank=True)
    product_terms = models.JSONField(_("product terms"))
    created_at = models.DateTimeField(_("decided"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.grade} ({self.score})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("a decision is immutable once written")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("a decision is never deleted")

    def reasons_in(self, language: str | None = None) -> list[str]:
        key = "zh" if (language or self.language).startswith("zh") else "en"
        return [reason[key] for reason in self.reasons]


class ShadowScore(models.Model):
    """A challenger's score of a request, written next to the champion's decision (no effect)."""

    request = models.ForeignKey(
        ScoringRequest, on_delete=models.PROTECT, related_name="shadow_scores", verbose_name=_("request")
    )
    model = models.ForeignKey(
        ScoreModel, on_delete=models.PROTECT, related_name="shadow_scores", verbose_name=_("model")
    )
    score = models.IntegerField(verbose_name=_("score"))
    grade = models.CharField(max_length=1, verbose_name=_("grade"))
    pd = models.DecimalField(max_digits=7, decimal_places=6, verbose_name=_("PD"))
    champion_score = models.IntegerField(verbose_name=_("champion score"))
    champion_grade = models.CharField(max_length=1, verbose_name=_("champion grade"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shadow score")
        constraints = [models.UniqueConstraint(fields=("request", "model"), name="risk_shadow_once")]

    def __str__(self) -> str:
        return f"v{self.model_id} shadow {self.grade} ({self.score})"


class ImpactAssessment(models.Model):
    """The personal-information impact assessment of one scorecard version (PIPL art. 55), required
    before it may decide: its purpose, the data it uses, fairness checks across age bands and
    regions (approval rate and mean PD per group and the largest gap between groups), who wrote it
    and who signed it off. Signed off by someone other than its author, then never changed."""

    model = models.OneToOneField(
        ScoreModel,
        on_delete=models.PROTECT,
        related_name="impact_assessment",
        verbose_name=_("score model"),
    )
    purpose = models.TextField(_("purpose"), max_length=4000)
    data_used = models.TextField(_("personal data used"), max_length=4000)
    fairness = models.JSONField(_("fairness checks"), default=dict, blank=True)
    fairness_computed_at = models.DateTimeField(_("fairness checks computed"), null=True, blank=True)
    approval_gap_age = rate_field(_("approval-rate gap across age bands"), null=True, blank=True)
    approval_gap_region = rate_field(_("approval-rate gap across regions"), null=True, blank=True)
    pd_gap_age = rate_field(_("mean-PD gap across age bands"), null=True, blank=True)
    pd_gap_region = rate_field(_("mean-PD gap across regions"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    # Every version as written and as signed (who changed what, and when).
    history = HistoricalRecords()

    class Meta:
        ordering = ("-model__version",)
        verbose_name = _("impact assessment")
        verbose_name_plural = _("impact assessments")
        permissions = (("sign_off_impactassessment", _("Can sign off a score model's impact assessment")),)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_off_by__isnull=True) | ~models.Q(signed_off_by=models.F("author")),
                name="risk_assessment_four_eyes",
            )
        ]

    def __str__(self) -> str:
        if not self.model_id:
            return gettext("impact assessment")
        return gettext("impact assessment v%(version)s") % {"version": self.model.version}

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None and self.signed_off_by_id is not None


# Collateral haircuts live with their rules in risk.collateral (imported so Django finds the model).
# The business rating's models live with their package; importing them here makes them the risk
# app's models (migrations, permissions).
from risk.business.models import (  # noqa: E402, F401
    BusinessRating,
    BusinessRatingEvent,
    BusinessRubric,
    BusinessRubricEvent,
)
from risk.collateral import CollateralHaircut  # noqa: E402,F401
from risk.concentration_models import ConcentrationLimit, ConcentrationLimitEvent  # noqa: E402, F401, I001
