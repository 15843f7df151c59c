"""Monitoring aggregates: small tables the dashboards and the API read instead of the loans.

Each is rebuilt set-based by `monitoring.services.run_monitoring(as_of)` after a close of
business, from servicing's daily loan snapshots (a quiet loan's row may stand at an earlier date,
its snapshot never does). A date's rows are replaced in one transaction, so running a date twice
writes nothing twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub import clock
from loanhub.models import TransitionEvent
from loanhub.money import money_field
from loanhub.transitions import Transitionable


class PortfolioDay(models.Model):
    """The book at the end of a business date, per product, customer type, region, channel,
    industry, grade at origination, origination month, delinquency bucket and five-tier class.

    Bucket and class are dimensions rather than columns, so the buckets stay whatever
    `LOANHUB_DELINQUENCY_BUCKETS` says; since the class follows the days past due they add few
    rows. The region and industry are the customer's when the date was aggregated; the channel
    is the application's (`LoanChannel`).
    """

    business_date = models.DateField(_("business date"))
    product = models.CharField(_("product"), max_length=32)
    category = models.CharField(_("category"), max_length=32)
    customer_type = models.CharField(_("customer type"), max_length=20)
    region = models.CharField(_("region"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, default="")
    industry = models.CharField(_("industry"), max_length=100, default="")
    risk_grade = models.CharField(_("risk grade at origination"), max_length=1)
    origination_month = models.DateField(_("origination month"))
    delinquency_bucket = models.CharField(_("delinquency bucket"), max_length=16)
    classification = models.CharField(_("classification"), max_length=16)
    ifrs9_stage = models.PositiveSmallIntegerField(_("IFRS 9 stage"), default=1)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding"), default=Decimal("0.00"))
    overdue = money_field(_("overdue amount"), default=Decimal("0.00"))
    reserve = money_field(_("provision"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("portfolio day")
        verbose_name_plural = _("portfolio dashboard")
        constraints = [
            models.UniqueConstraint(
                fields=(
                    "business_date",
                    "product",
                    "category",
                    "customer_type",
                    "region",
                    "channel",
                    "industry",
                    "risk_grade",
                    "origination_month",
                    "delinquency_bucket",
                    "classification",
                    "ifrs9_stage",
                ),
                name="portfolio_day_unique",
            )
        ]
        indexes = [models.Index(fields=("business_date",), name="portfolio_day_date")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.product} {self.delinquency_bucket}"


class PortfolioTotal(models.Model):
    """The per-date rollup of `PortfolioDay`: the book by delinquency bucket, five-tier class and
    IFRS 9 stage only (a few dozen rows a date, where PortfolioDay holds every slice of the book:
    hundreds of thousands at a million loans). Written with the date's PortfolioDay rows; the
    dashboards' totals, time series and provisions read it, so a page never sums the slices."""

    business_date = models.DateField(_("business date"))
    delinquency_bucket = models.CharField(_("delinquency bucket"), max_length=16)
    classification = models.CharField(_("classification"), max_length=16)
    ifrs9_stage = models.PositiveSmallIntegerField(_("IFRS 9 stage"), default=1)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding"), default=Decimal("0.00"))
    overdue = money_field(_("overdue amount"), default=Decimal("0.00"))
    reserve = money_field(_("provision"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("portfolio total")
        verbose_name_plural = _("portfolio totals")
        constraints = [
            models.UniqueConstraint(
                fields=("business_date", "delinquency_bucket", "classification", "ifrs9_stage"),
                name="portfolio_total_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.delinquency_bucket} {self.classification}"


class RollRate(models.Model):
    """Loans moving from a delinquency bucket at the end of the previous month to a bucket at the
    end of `month`, or off the book: `closed` (paid off or otherwise closed, not written off) or
    `written_off` (written off on or before the month end). Cure rates are read from these rows
    (`monitoring.selectors.cure_rates`): a delinquent loan cures when it is current or closed."""

    CLOSED = "closed"
    WRITTEN_OFF = "written_off"
    LEFT_BOOK = (CLOSED, WRITTEN_OFF)

    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    from_bucket = models.CharField(_("from bucket"), max_length=16)
    to_bucket = models.CharField(_("to bucket"), max_length=16)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding at the previous month end"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("roll rate")
        verbose_name_plural = _("roll rates")
        constraints = [
            models.UniqueConstraint(fields=("month", "from_bucket", "to_bucket"), name="roll_rate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.from_bucket}→{self.to_bucket}"


class ClassificationMigration(models.Model):
    """Loans moving from a five-tier class (贷款五级分类) at the end of the previous month to a
    class at the end of `month`, or off the book (`closed`, `written_off` as in `RollRate`): the
    migration matrix, with the loans' principal outstanding at the previous month end."""

    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    from_class = models.CharField(_("from class"), max_length=16)
    to_class = models.CharField(_("to class"), max_length=16)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding at the previous month end"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("classification migration")
        verbose_name_plural = _("classification migrations")
        constraints = [
            models.UniqueConstraint(
                fields=("month", "from_class", "to_class"), name="classification_migration_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.from_class}→{self.to_class}"


class DecisionMonth(models.Model):
    """The scoring engine's credit decisions of one month (by the time they were made, in
    LoanHub's time zone), per product, outcome (approve, refer, decline) and risk grade: how many,
    and the sum of their scores (for the mean). `through`: the last day counted (the month's last
    day once it is over; earlier while it runs), so a run for an earlier date never shrinks a
    month that a later run counted further."""

    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    product = models.CharField(_("product"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=10)
    grade = models.CharField(_("risk grade"), max_length=1)
    decisions = models.PositiveIntegerField(_("decisions"))
    score_sum = models.BigIntegerField(_("sum of the scores"))
    through = models.DateField(_("counted through"))

    class Meta:
        verbose_name = _("decisions of a month")
        verbose_name_plural = _("decisions by month")
        constraints = [
            models.UniqueConstraint(
                fields=("month", "product", "outcome", "grade"), name="decision_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product} {self.outcome} {self.grade}: {self.decisions}"


class DelinquencyOnset(models.Model):
    """The first business date a loan stood at 30 or more days past due (for vintage curves)."""

    loan_id = models.BigIntegerField(_("loan"), unique=True)
    start_date = models.DateField(_("disbursement date"))
    first_dpd30 = models.DateField(_("first day at 30+ days past due"))
    risk_grade = models.CharField(_("risk grade at origination"), max_length=1, default="", blank=True)

    class Meta:
        verbose_name = _("delinquency onset")
        verbose_name_plural = _("delinquency onsets")

    def __str__(self) -> str:
        return f"{self.loan_id}@{self.first_dpd30}"


class VintagePoint(models.Model):
    """Of the loans disbursed in `origination_month`, how many had been 30+ days past due by
    `months_on_book` months after their disbursement (cumulative), as of `as_of`."""

    as_of = models.DateField(_("as of"))
    origination_month = models.DateField(_("origination month"))
    months_on_book = models.PositiveSmallIntegerField(_("months on book"))
    loans = models.PositiveIntegerField(_("loans disbursed"))
    loans_dpd30 = models.PositiveIntegerField(_("loans ever 30+ days past due"))

    class Meta:
        verbose_name = _("vintage point")
        verbose_name_plural = _("vintage points")
        ordering = ("origination_month", "months_on_book")
        constraints = [
            models.UniqueConstraint(
                fields=("origination_month", "months_on_book"), name="vintage_point_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.origination_month:%Y-%m}+{self.months_on_book}"


class Light(models.TextChoices):
    """Traffic lights of model monitoring."""

    GREEN = "green", _("green")
    AMBER = "amber", _("amber")
    RED = "red", _("red")


class ModelStability(models.Model):
    """Population stability of one scorecard on a date: of its score (`target` "score") or of one
    of its features, the decisions of the window before `as_of` against the development sample.

    `bins`: [{bin, expected_share, actual_share}] (shares as strings, 4 places)."""

    SCORE = "score"

    as_of = models.DateField(_("as of"))
    model_version = models.PositiveIntegerField(_("model version"))
    target = models.CharField(_("score or feature"), max_length=60)
    window_start = models.DateField(_("window start"))
    decisions = models.PositiveIntegerField(_("decisions in the window"))
    psi = models.DecimalField(_("PSI"), max_digits=9, decimal_places=4)
    light = models.CharField(_("light"), max_length=5, choices=Light.choices)
    bins = models.JSONField(_("bins"), default=list)

    class Meta:
        verbose_name = _("model stability")
        verbose_name_plural = _("model monitoring")
        ordering = ("-as_of", "model_version", "target")
        constraints = [
            models.UniqueConstraint(
                fields=("as_of", "model_version", "target"), name="model_stability_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.as_of} v{self.model_version} {self.target} {self.psi}"


class CalibrationGrade(models.Model):
    """Calibration of the champion on a date, per grade at origination: of the loans with a full
    outcome window, how many went 30+ days past due within it, against the grade's predicted PD,
    with the Wilson score interval of the realised rate."""

    as_of = models.DateField(_("as of"))
    model_version = models.PositiveIntegerField(_("model version"))
    grade = models.CharField(_("grade"), max_length=1)
    predicted_pd = models.DecimalField(_("predicted PD"), max_digits=7, decimal_places=6)
    loans = models.PositiveIntegerField(_("loans with a full outcome window"))
    bads = models.PositiveIntegerField(_("loans 30+ days past due within the window"))
    bad_rate = models.DecimalField(_("realised bad rate"), max_digits=7, decimal_places=4, null=True)
    ci_low = models.DecimalField(_("interval low"), max_digits=7, decimal_places=4, null=True)
    ci_high = models.DecimalField(_("interval high"), max_digits=7, decimal_places=4, null=True)
    light = models.CharField(_("light"), max_length=5, choices=Light.choices)

    class Meta:
        verbose_name = _("calibration by grade")
        verbose_name_plural = _("calibration by grade")
        ordering = ("-as_of", "grade")
        constraints = [models.UniqueConstraint(fields=("as_of", "grade"), name="calibration_grade_unique")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.grade}"


class Discrimination(models.Model):
    """How well the champion's PD at origination ranked the loans whose outcome window is over,
    on a date: AUC, Gini (2·AUC − 1) and Kolmogorov–Smirnov, bad = 30+ days past due within the
    window (the same loans and outcome as the calibration)."""

    as_of = models.DateField(_("as of"), unique=True)
    model_version = models.PositiveIntegerField(_("model version"), null=True)
    loans = models.PositiveIntegerField(_("loans with a full outcome window"))
    bads = models.PositiveIntegerField(_("loans 30+ days past due within the window"))
    auc = models.DecimalField(_("AUC"), max_digits=7, decimal_places=4)
    gini = models.DecimalField(_("Gini"), max_digits=7, decimal_places=4)
    ks = models.DecimalField(_("KS"), max_digits=7, decimal_places=4)

    class Meta:
        verbose_name = _("discrimination on matured loans")
        verbose_name_plural = _("discrimination on matured loans")
        ordering = ("-as_of",)

    def __str__(self) -> str:
        return f"{self.as_of} Gini {self.gini}"


class ConcentrationExposure(models.Model):
    """An active concentration limit checked on a business date: the largest exposure it caps
    (the slice named by its key, or the largest single borrower) against the limit."""

    as_of = models.DateField(_("as of"))
    limit_id = models.BigIntegerField(_("limit"))
    dimension = models.CharField(_("dimension"), max_length=16)
    key = models.CharField(_("key"), max_length=100, blank=True)
    basis = models.CharField(_("basis"), max_length=8)
    severity = models.CharField(_("severity"), max_length=8)
    threshold = models.DecimalField(_("limit"), max_digits=20, decimal_places=4)
    exposure = money_field(_("exposure"), default=Decimal("0.00"))
    book = money_field(_("book"), default=Decimal("0.00"))
    value = models.DecimalField(_("share or amount"), max_digits=20, decimal_places=4)
    breached = models.BooleanField(_("breached"))

    class Meta:
        verbose_name = _("concentration exposure")
        verbose_name_plural = _("concentration exposures")
        ordering = ("-as_of", "dimension", "key")
        constraints = [
            models.UniqueConstraint(fields=("as_of", "limit_id"), name="concentration_exposure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.as_of} {self.dimension} {self.key}"


class LiquidityBucket(models.Model):
    """The contractual cash inflows still to come from the book at the end of a business date,
    by maturity bucket of the due date and by rate type: the unpaid principal and interest of the
    loans' pinned schedules (`overdue`: due on or before the date and not paid)."""

    as_of = models.DateField(_("as of"))
    bucket = models.CharField(_("maturity bucket"), max_length=8)
    rate_type = models.CharField(_("rate type"), max_length=16)
    principal = money_field(_("principal"), default=Decimal("0.00"))
    interest = money_field(_("interest"), default=Decimal("0.00"))
    # Σ interest ÷ the loan's annual rate over the rows due in the next 12 months: the interest
    # income a one-unit rate move changes (rate sensitivity, if every loan repriced at once).
    interest_per_rate = models.DecimalField(
        _("interest per unit of rate"), max_digits=24, decimal_places=4, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("liquidity bucket")
        verbose_name_plural = _("liquidity ladder")
        constraints = [
            models.UniqueConstraint(fields=("as_of", "bucket", "rate_type"), name="liquidity_bucket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.as_of} {self.bucket} {self.rate_type}"


# --- Early warning (风险预警) ----------------------------------------------------------------------
class Signal(models.TextChoices):
    """The early-warning signals computed after each close of business (monitoring.early_warning)."""

    PARTIAL_PAYMENT = "partial_payment", _("partial payment")
    REPAYMENT_DRIFT = "repayment_drift", _("repayment-day drift")
    GRACE_REPEAT = "grace_repeat", _("repeated payment inside the grace days")
    UTILISATION_SPIKE = "utilisation_spike", _("utilisation spike on a credit line")
    NEW_APPLICATION_ELSEWHERE = "new_application_elsewhere", _("new application elsewhere (bureau)")
    INCOME_DROP = "income_drop", _("income drop on re-verification")
    FLAGGED_SEGMENT = "flagged_segment", _("industry or region flagged by an analyst")
    SCORE_DRIFT = "score_drift", _("score drift on rescore")
    LINE_OVERDUE = "line_overdue", _("overdue minimum on the customer's credit line")


class LoanRescore(models.Model):
    """A periodic rescore of a loan on the book (monitoring.rescore): the active scorecard scores
    the borrower's application record as it was (`baseline_*`) and as it is now (the bureau's
    current file, age, employment and re-verified income), so a fall is a change in the borrower,
    never a change of model. One row per loan and date."""

    loan_id = models.BigIntegerField(_("loan"))
    as_of = models.DateField(_("as of"))
    model_version = models.PositiveIntegerField(_("model version"))
    baseline_score = models.IntegerField(_("score at application"))
    baseline_grade = models.CharField(_("grade at application"), max_length=1)
    score = models.IntegerField(_("score now"))
    grade = models.CharField(_("grade now"), max_length=1)

    class Meta:
        verbose_name = _("loan rescore")
        verbose_name_plural = _("loan rescores")
        ordering = ("-as_of", "loan_id")
        indexes = [models.Index(fields=["as_of", "loan_id"], name="loan_rescore_day")]
        constraints = [models.UniqueConstraint(fields=("loan_id", "as_of"), name="loan_rescore_once_a_day")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.as_of}: {self.baseline_score} → {self.score}"


class SignalWeight(models.Model):
    """The weight a risk analyst gives one early-warning signal: a loan's warning score is the
    sum of the weights of the signals it shows; a disabled signal counts nothing."""

    signal = models.CharField(_("signal"), max_length=32, choices=Signal.choices, unique=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    enabled = models.BooleanField(_("enabled"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("early-warning signal weight")
        verbose_name_plural = _("early-warning signal weights")
        ordering = ("signal",)
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="signal_weight_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.get_signal_display()}: {self.weight}"


class FlaggedSegment(models.Model):
    """An industry or region a risk analyst flagged (e.g. after a regional shock): every active
    loan of a customer in it shows the `flagged_segment` signal while the flag is active."""

    class Kind(models.TextChoices):
        INDUSTRY = "industry", _("industry")
        REGION = "region", _("region")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=100, help_text=_("as written on the customer's profile"))
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    flagged_on = models.DateField(_("flagged on"), default=clock.today)

    class Meta:
        verbose_name = _("flagged industry or region")
        verbose_name_plural = _("flagged industries and regions")
        ordering = ("kind", "value")
        constraints = [models.UniqueConstraint(fields=("kind", "value"), name="flagged_segment_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class WarningStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CONTACTED = "contacted", _("contacted")
    ACTIONED = "actioned", _("actioned")
    CLOSED = "closed", _("closed")


# Not closed: the loan's warning is still in the officers' queue (at most one per loan).
WARNING_LIVE = (
    WarningStatus.OPEN,
    WarningStatus.ACKNOWLEDGED,
    WarningStatus.CONTACTED,
    WarningStatus.ACTIONED,
)


class WarningOutcome(models.TextChoices):
    CURED = "cured", _("cured: the borrower is paying as agreed")
    RESTRUCTURED = "restructured", _("restructured or deferred")
    COLLECTIONS = "collections", _("handed to collections")
    FALSE_ALARM = "false_alarm", _("false alarm")
    OTHER = "other", _("other")


class EarlyWarning(Transitionable, FSMModelMixin, models.Model):
    """A loan (or the credit line of a customer without a loan) in the officers' early-warning
    queue: the signals it showed, weighted into a score
    at or above the threshold, raised on `raised_on`. While it is not closed, later runs update its
    score and reasons (`last_seen_on`) rather than open another; officers move it open →
    acknowledged → contacted → actioned → closed (with an outcome)."""

    state_field_name = "status"
    state_changed_field = "status_changed_at"
    transition_actions = {
        "acknowledge": _("acknowledge"),
        "contact": _("record contact"),
        "action": _("record action"),
        "close": _("close"),
    }

    # One of the two: a loan's warning, or a credit line's (a customer who holds only a line).
    loan_id = models.BigIntegerField(_("loan"), null=True, blank=True, db_index=True)
    credit_line_id = models.BigIntegerField(_("credit line"), null=True, blank=True, db_index=True)
    loan_number = models.CharField(_("loan or credit line number"), max_length=16)
    raised_on = models.DateField(_("raised on"))
    last_seen_on = models.DateField(_("last seen on"))
    score = models.DecimalField(_("warning score"), max_digits=8, decimal_places=2)
    reasons = models.JSONField(_("reasons"), default=list, help_text=_("[{signal, weight, detail}]"))
    status = FSMField(
        _("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN, protected=True
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=WarningOutcome.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ("-score", "-raised_on", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("loan_id",),
                condition=models.Q(status__in=[s.value for s in WARNING_LIVE]),
                name="early_warning_one_live_per_loan",
            ),
            models.UniqueConstraint(fields=("loan_id", "raised_on"), name="early_warning_once_per_day"),
            models.UniqueConstraint(
                fields=("credit_line_id",),
                condition=models.Q(status__in=[s.value for s in WARNING_LIVE]),
                name="early_warning_one_live_per_line",
            ),
            models.UniqueConstraint(
                fields=("credit_line_id", "raised_on"), name="early_warning_line_once_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(loan_id__isnull=False, credit_line_id__isnull=True)
                | models.Q(loan_id__isnull=True, credit_line_id__isnull=False),
                name="early_warning_loan_or_line",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "raised_on"), name="early_warning_queue"),
            # The queue's order (highest score first), so a page of it reads an index range.
            models.Index(fields=("-score", "-raised_on", "-id"), name="early_warning_by_score"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_number} {self.raised_on} ({self.status})"

    def transition_event(self, **fields) -> EarlyWarningEvent:
        return EarlyWarningEvent(warning_id=self.pk, **fields)

    @transition(
        field=status,
        source=WarningStatus.OPEN,
        target=WarningStatus.ACKNOWLEDGED,
        permission="monitoring.change_earlywarning",
    )
    def acknowledge(self) -> None:
        """An officer takes the warning."""

    @transition(
        field=status,
        source=(WarningStatus.ACKNOWLEDGED, WarningStatus.CONTACTED),
        target=WarningStatus.CONTACTED,
        permission="monitoring.change_earlywarning",
    )
    def contact(self) -> None:
        """The borrower was contacted (again)."""

    @transition(
        field=status,
        source=(WarningStatus.CONTACTED, WarningStatus.ACTIONED),
        target=WarningStatus.ACTIONED,
        permission="monitoring.change_earlywarning",
    )
    def action(self) -> None:
        """Something was done: a plan agreed, a restructuring proposed, collections told."""

    @transition(
        field=status,
        source=WARNING_LIVE,
        target=WarningStatus.CLOSED,
        permission="monitoring.change_earlywarning",
    )
    def close(self) -> None:
        """The warning is settled with an outcome (a false alarm may be closed straight away)."""


class EarlyWarningEvent(TransitionEvent):
    """An early warning's state changes and notes (raised, re-scored, each officer step)."""

    warning = models.ForeignKey(
        EarlyWarning, on_delete=models.PROTECT, related_name="events", verbose_name=_("warning")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("early-warning event")
        verbose_name_plural = _("early-warning events")

    def __str__(self) -> str:
        return f"{self.warning_id} {self.from_state}→{self.to_state}"


from monitoring.portfolio_models import LoanChannel, PortfolioFlow, PortfolioMix  # noqa: E402, F401, I001
from monitoring.score_band_models import DecisionScoreBand  # noqa: E402, F401, I001
