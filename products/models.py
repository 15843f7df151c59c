"""The product catalogue: products, their versions, pricing grids, fees, promotions, benchmarks.

A `Product` is a family identified by its code (e.g. ``HOME-LPR``); what a customer is offered is
one `ProductVersion` of it, with every term, grid row, fee and promotion attached to that
version. An active version is never edited: editing a product creates a new draft version, and
activating that version retires the previous one. Applications and loans hold a foreign key to
the exact version they were made under, so their terms never move.

Business rules (who may move a version, the compliance check, versioning) live in
`products.services`; models carry fields, constraints, cheap properties and guarded transitions.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from loanhub.models import TransitionEvent
from loanhub.money import CURRENCIES, money_field, rate_field
from loanhub.permissions import SENIOR_APPROVE, may, may_any
from loanhub.transitions import Transitionable
from products import choices as c

ZERO = Decimal("0")

# Named permissions of the catalogue (Product Managers hold "products.*", loanhub.roles).
MANAGE_PRODUCTS = "products.change_productversion"  # create, edit, import and submit versions
# Approve, return, suspend, resume and retire: a Product Manager, or a Senior Approver (the
# platform's second-approval capability). Four eyes is checked by the service on top.
REVIEW_PRODUCTS = (MANAGE_PRODUCTS, SENIOR_APPROVE)

# The payment-burden caps of a version (checked at publish time by products.compliance), defaults:
# - a regular payment, per month, is at most half the principal (a loan is repaid over at least
#   about two months; a one-installment loan of a whole principal is refused);
# - the whole repayment (principal, interest and fees) is at most 2.5 times the principal: that
#   admits a 30-year annuity mortgage up to about 7.4 % but refuses grids that barely amortise
#   (24 % over 30 years repays 7.2 times the loan, interest-only at 12 % over 20 years 3.4 times).
#   A product that needs more states its own cap, which the reviewer sees in the definition.
DEFAULT_MAX_INSTALLMENT_RATIO = Decimal("0.50")
DEFAULT_MAX_REPAYMENT_MULTIPLE = Decimal("2.50")


def may_manage_product(instance, user) -> bool:
    """django-fsm `permission=` of submitting a version."""
    return may(user, MANAGE_PRODUCTS)


def may_review_product(instance, user) -> bool:
    """django-fsm `permission=` of the reviewer's transitions."""
    return may_any(user, *REVIEW_PRODUCTS)


def _bilingual(zh: str, en: str) -> str:
    """The text in the active language, falling back to the other one when it is empty."""
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en"):
        return en or zh
    return zh or en


class Product(models.Model):
    """A loan product family, identified by a stable code; its terms live in its versions."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        allow_unicode=False,
        help_text=_("Stable identifier, e.g. HOME-LPR. Upper-case letters, digits and hyphens."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")

    def __str__(self) -> str:
        return self.code


class ProductVersion(Transitionable, FSMModelMixin, models.Model):
    """One version of a loan product: every term a customer is offered, frozen once submitted.

    Lifecycle: draft → in_review → active → suspended → active, and active/suspended → retired.
    Only drafts are edited; in_review goes back to draft when the reviewer returns it.
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="versions", verbose_name=_("product")
    )
    version = models.PositiveIntegerField(_("version"))
    status = FSMField(
        _("status"),
        max_length=16,
        choices=c.ProductStatus.choices,
        default=c.ProductStatus.DRAFT,
        protected=True,
    )

    # What it is
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(_("category"), max_length=32, choices=c.Category.choices)
    segments = models.JSONField(_("target segments"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", choices=CURRENCIES)
    available_from = models.DateField(_("available from"))
    available_until = models.DateField(_("available until"), null=True, blank=True)

    # Amounts and terms
    amount_min = money_field(_("minimum amount"))
    amount_max = money_field(_("maximum amount"))
    term_min = models.PositiveIntegerField(_("minimum term (months)"))
    term_max = models.PositiveIntegerField(_("maximum term (months)"))
    repayment_methods = models.JSONField(_("repayment methods"), default=list)
    frequencies = models.JSONField(_("repayment frequencies"), default=list)
    default_method = models.CharField(
        _("default repayment method"), max_length=32, choices=c.RepaymentMethod.choices
    )
    default_frequency = models.CharField(
        _("default frequency"), max_length=16, choices=c.Frequency.choices, default=c.Frequency.MONTHLY
    )
    day_count = models.CharField(
        _("day count"), max_length=8, choices=c.DayCount.choices, default=c.DayCount.THIRTY_360
    )
    representative_amount = money_field(_("representative amount"))
    representative_term = models.PositiveIntegerField(_("representative term (months)"))

    # Rate
    rate_type = models.CharField(_("rate type"), max_length=16, choices=c.RateType.choices)
    benchmark = models.CharField(_("benchmark"), max_length=16, choices=c.Benchmark.choices, blank=True)
    # A floating rate's reset date (重定价日); the loans made from the version keep it.
    rate_reset = models.CharField(
        _("rate reset"),
        max_length=16,
        choices=c.RateReset.choices,
        default=c.RateReset.ANNIVERSARY,
        help_text=_("For a floating rate: when loans follow the latest published benchmark."),
    )
    penalty_rate_multiplier = models.DecimalField(
        _("penalty rate (× contract rate)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("1.5"))],
        help_text=_("Late-payment penalty interest as a multiple of the contract rate."),
    )

    # Overdue (servicing applies these to the loans made from this version)
    overdue_grace_days = models.PositiveSmallIntegerField(
        _("overdue grace days"),
        default=0,
        validators=[MaxValueValidator(30)],
        help_text=_("Days after a due date during which a late payment is charged no penalty interest."),
    )
    compound_penalty = models.BooleanField(
        _("penalty on overdue interest (复利)"),
        default=True,
        help_text=_("Overdue contractual interest also bears penalty interest."),
    )
    allocation_order = models.CharField(
        _("repayment allocation order"),
        max_length=40,
        choices=c.AllocationOrder.choices,
        default=c.AllocationOrder.CIVIL_CODE,
    )
    worst_loan_classification = models.BooleanField(
        _("a borrower's worst loan sets the class of the others"),
        default=False,
        help_text=_("When on, every loan of a borrower is classified at least as badly as the worst one."),
    )

    # Grace and prepayment
    grace_max_periods = models.PositiveIntegerField(_("maximum grace periods"), default=0)
    grace_types = models.JSONField(_("grace types"), default=list, blank=True)
    deferral_interest = models.CharField(
        _("interest of a deferral"),
        max_length=16,
        choices=c.DeferralInterest.choices,
        default=c.DeferralInterest.CAPITALISE,
        help_text=_(
            "During a payment holiday the interest is capitalised or spread over the remaining installments."
        ),
    )
    prepayment_allowed_after = models.PositiveIntegerField(
        _("prepayment allowed after (installments)"), default=0
    )
    prepayment_fee_rate = rate_field(
        # xgettext:no-python-format
        _("prepayment fee (% of prepaid principal)"),
        default=ZERO,
    )
    prepayment_free_allowance = rate_field(
        _("free prepayment per year (share of principal)"),
        default=ZERO,
        help_text=_("Share of the original principal that may be prepaid each year without a fee."),
    )

    # Eligibility
    customer_types = models.JSONField(_("customer types"), default=list)
    employment_types = models.JSONField(_("employment types"), default=list, blank=True)
    regions = models.JSONField(
        _("regions"), default=list, blank=True, help_text=_("Province codes; empty means everywhere.")
    )
    age_min = models.PositiveSmallIntegerField(_("minimum age at application"), default=18)
    age_max = models.PositiveSmallIntegerField(_("maximum age at application"), default=60)
    age_max_at_maturity = models.PositiveSmallIntegerField(_("maximum age at maturity"), default=65)
    min_monthly_income = money_field(_("minimum monthly income"), default=ZERO)
    max_dti = rate_field(
        _("maximum debt-to-income after the loan"),
        default=Decimal("0.5"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    max_exposure_per_customer = money_field(_("maximum exposure per customer"))
    auto_approve_limit = money_field(
        _("auto-approval limit"),
        null=True,
        blank=True,
        help_text=_("Amounts above it are referred to an officer even with a good score; empty: no limit."),
    )

    # Collateral: loan-to-value = amount / total market value of the application's collateral.
    max_ltv = rate_field(
        _("maximum loan-to-value"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("5"))],
        help_text=_("0.70: the loan may be at most 0.70 × the collateral's value; empty: no limit."),
    )
    ltv_excess = models.CharField(
        _("above the maximum loan-to-value"),
        max_length=8,
        choices=c.LtvExcess.choices,
        default=c.LtvExcess.REFUSE,
    )

    # Payment burden (checked at publish time over the worst case of the pricing grid)
    max_installment_ratio = rate_field(
        _("maximum installment (share of principal per month)"),
        default=DEFAULT_MAX_INSTALLMENT_RATIO,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.5"))],
        help_text=_(
            "The largest regular payment, per month, as a share of the principal, at the highest "
            "rate of the grid for the shortest and the longest term. 0.50: at most half the principal."
        ),
    )
    max_repayment_multiple = rate_field(
        _("maximum total repayment (× principal)"),
        default=DEFAULT_MAX_REPAYMENT_MULTIPLE,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text=_(
            "Principal, interest and fees repaid, as a multiple of the principal, at the highest rate "
            "of the grid for the shortest and the longest term. 2.50: at most two and a half times the loan."
        ),
    )

    # Who and when
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ("product__code", "-version")
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        constraints = [
            models.UniqueConstraint(fields=("product", "version"), name="product_version_unique"),
            models.UniqueConstraint(
                fields=("product",),
                condition=Q(status__in=[s.value for s in c.LIVE_STATES]),
                name="product_one_live_version",
                violation_error_message=_("A product has at most one active or suspended version."),
            ),
            models.UniqueConstraint(
                fields=("product",),
                condition=Q(status__in=[s.value for s in c.PENDING_STATES]),
                name="product_one_pending_version",
                violation_error_message=_("A product has at most one version in draft or in review."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="product_version_positive"),
        ]
        indexes = [models.Index(fields=("status", "category"))]

    def __str__(self) -> str:
        return f"{self.product.code} v{self.version}"

    # --- cheap properties -----------------------------------------------------------------
    @property
    def code(self) -> str:
        return self.product.code

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return _bilingual(self.description_zh, self.description_en)

    @property
    def is_editable(self) -> bool:
        return self.status in c.EDITABLE_STATES

    @property
    def is_offered(self) -> bool:
        return self.status in c.OFFERED_STATES

    # --- transitions: guards and permissions; services run them (loanhub.transitions) --------
    state_field_name = "status"
    transition_actions = {
        "submit": pgettext_lazy("action", "submit"),
        "return_to_draft": pgettext_lazy("action", "return to draft"),
        "activate": pgettext_lazy("action", "activate"),
        "suspend": pgettext_lazy("action", "suspend"),
        "resume": pgettext_lazy("action", "resume"),
        "retire": pgettext_lazy("action", "retire"),
        # the catalogue's other refusable actions (products.services._require)
        "create": pgettext_lazy("action", "create"),
        "edit": pgettext_lazy("action", "edit"),
        "approve": pgettext_lazy("action", "approve"),
        "import": pgettext_lazy("action", "import"),
    }

    def transition_event(self, **fields) -> ProductEvent:
        return ProductEvent(version=self, **fields)

    @transition(
        field=status,
        source=c.ProductStatus.DRAFT,
        target=c.ProductStatus.IN_REVIEW,
        permission=may_manage_product,
    )
    def submit(self) -> None:
        """A product manager asks for a second pair of eyes."""

    @transition(
        field=status,
        source=c.ProductStatus.IN_REVIEW,
        target=c.ProductStatus.DRAFT,
        permission=may_review_product,
    )
    def return_to_draft(self) -> None:
        """The reviewer sends the version back for changes."""

    @transition(
        field=status,
        source=c.ProductStatus.IN_REVIEW,
        target=c.ProductStatus.ACTIVE,
        permission=may_review_product,
    )
    def activate(self) -> None:
        """A second person approved it and it passed the compliance check."""

    @transition(
        field=status,
        source=c.ProductStatus.ACTIVE,
        target=c.ProductStatus.SUSPENDED,
        permission=may_review_product,
    )
    def suspend(self) -> None:
        """No new quotes or applications until resumed; existing loans are unaffected."""

    @transition(
        field=status,
        source=c.ProductStatus.SUSPENDED,
        target=c.ProductStatus.ACTIVE,
        permission=may_review_product,
    )
    def resume(self) -> None:
        """Offered again (the compliance check runs again first)."""

    @transition(
        field=status,
        source=[c.ProductStatus.ACTIVE, c.ProductStatus.SUSPENDED],
        target=c.ProductStatus.RETIRED,
        permission=may_review_product,
    )
    def retire(self) -> None:
        """Never offered again; applications and loans made under it keep their terms."""


class PricingTier(models.Model):
    """One cell of a version's risk-based pricing grid: a risk grade and a term band.

    Fixed-rate products state the annual rate; floating-rate products state a spread in basis
    points over the version's benchmark (e.g. 5-year LPR + 30 bp).
    """

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="pricing_tiers", verbose_name=_("version")
    )
    risk_grade = models.CharField(_("risk grade"), max_length=1, choices=c.RiskGrade.choices)
    term_min = models.PositiveIntegerField(_("from term (months)"))
    term_max = models.PositiveIntegerField(_("to term (months)"))
    annual_rate = rate_field(_("annual rate"), null=True, blank=True)
    spread_bps = models.IntegerField(_("spread (basis points)"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("version", "risk_grade", "term_min")
        verbose_name = _("pricing grid row")
        verbose_name_plural = _("pricing grid")
        constraints = [
            models.UniqueConstraint(
                fields=("version", "risk_grade", "term_min"), name="pricing_tier_unique_band_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.risk_grade} {self.term_min}-{self.term_max}"


class Fee(models.Model):
    """A fee of a version, in the engine's fee types; segments may have it waived."""

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="fees", verbose_name=_("version")
    )
    code = models.SlugField(_("code"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    fee_type = models.CharField(_("type"), max_length=20, choices=c.FeeType.choices)
    amount = money_field(_("amount"), null=True, blank=True)
    rate = rate_field(_("rate"), null=True, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    waived_for_segments = models.JSONField(_("waived for segments"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("version", "code")
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        constraints = [models.UniqueConstraint(fields=("version", "code"), name="fee_unique_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    def charged_to(self, segments: Collection[str] = ()) -> bool:
        """A mandatory fee is charged unless one of the customer's segments has it waived."""
        return self.mandatory and not set(self.waived_for_segments) & set(segments)

    def engine_fee(self) -> dict:
        """The fee in the engine's shape."""
        if self.fee_type in c.PERCENT_FEE_TYPES:
            return {"type": self.fee_type, "rate": self.rate}
        return {"type": self.fee_type, "amount": self.amount}


class Promotion(models.Model):
    """A dated promotion of a version: first installments interest-free, a rate discount, or every
    fee of the version waived.

    Empty segments or channels mean everyone or everywhere. Promotions of the same kind do not
    stack: the most favourable one applies.
    """

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="promotions", verbose_name=_("version")
    )
    code = models.SlugField(_("code"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=c.PromotionKind.choices)
    interest_free_periods = models.PositiveIntegerField(_("interest-free installments"), default=0)
    discount_bps = models.PositiveIntegerField(_("discount (basis points)"), default=0)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    history = HistoricalRecords()

    class Meta:
        ordering = ("version", "code")
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [models.UniqueConstraint(fields=("version", "code"), name="promotion_unique_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    def applies(self, *, on_date, segments: Collection[str] = (), channel: str | None) -> bool:
        """In force on the date, for a customer in any of `segments`, through the channel."""
        if not self.starts_on <= on_date <= self.ends_on:
            return False
        if self.segments and not set(self.segments) & set(segments):
            return False
        return not (self.channels and channel not in self.channels)


class BenchmarkRate(models.Model):
    """A published benchmark rate (the Loan Prime Rate) and the day it took effect.

    The rate in force on a date is the latest row on or before that date.
    """

    benchmark = models.CharField(_("benchmark"), max_length=16, choices=c.Benchmark.choices)
    effective_date = models.DateField(_("effective from"))
    rate = rate_field(_("rate"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("benchmark", "-effective_date")
        verbose_name = _("benchmark rate")
        verbose_name_plural = _("benchmark rates")
        constraints = [
            models.UniqueConstraint(fields=("benchmark", "effective_date"), name="benchmark_rate_unique_day")
        ]

    def __str__(self) -> str:
        from loanhub.formatting import percent_text

        return f"{self.get_benchmark_display()} {self.effective_date} {percent_text(self.rate)}"


class ProductEvent(TransitionEvent):
    """One lifecycle transition of a product version (who, from, to, why)."""

    version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="events", verbose_name=_("version")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("product event")
        verbose_name_plural = _("product events")

    def __str__(self) -> str:
        labels = dict(c.ProductStatus.choices)  # the states in the reader's language
        before, after = labels.get(self.from_state, self.from_state), labels.get(self.to_state, self.to_state)
        return f"{self.version}: {before} → {after}"
