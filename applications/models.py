"""Loan applications: the origination state machine, its events and the offer.

draft → submitted → scoring → scored → approved | referred | declined;
referred → approved | declined (officer); approved → offer_accepted | offer_declined |
offer_expired; offer_accepted → disbursed | offer_expired (the system, when it is not paid out
within LOANHUB_ACCEPTANCE_EXPIRY_DAYS); submitted/scored/referred/approved/offer_accepted →
withdrawn.
A decline made solely by automated means can be reviewed by a person once (PIPL art. 24):
declined → review_requested (the customer, with a ReviewRequest) → declined (upheld) | referred
(overturned: back to an officer's manual review).
State changes only through `applications.services`, which lock the row, check permission and
write an ApplicationEvent in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from applications.permissions import (
    transition_by_officer,
    transition_by_owner,
    transition_by_owner_or_officer,
    transition_by_system,
)
from loanhub.models import TransitionEvent
from loanhub.money import apr_field, money_field, rate_field
from loanhub.transitions import Transitionable
from products.choices import Channel, Frequency, GraceType, RepaymentMethod, RiskGrade


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCORING = "scoring", _("Scoring")
    SCORED = "scored", _("Scored")
    APPROVED = "approved", _("Approved")
    REFERRED = "referred", _("Referred to an officer")
    DECLINED = "declined", _("Declined")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    OFFER_EXPIRED = "offer_expired", _("Offer expired")
    DISBURSED = "disbursed", _("Disbursed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVIEW_REQUESTED = "review_requested", _("Human review requested")


# Grouped states. IN_PROGRESS: waiting for the system (risk). REVIEW: waiting for an officer.
# DECIDED: a credit decision was taken (by risk or an officer). TERMINAL: nothing moves any more.
IN_PROGRESS_STATES = (State.SUBMITTED, State.SCORING)
REVIEW_STATES = (State.SCORED, State.REFERRED, State.REVIEW_REQUESTED)
DECIDED_STATES = (
    State.APPROVED,
    State.DECLINED,
    State.OFFER_ACCEPTED,
    State.OFFER_DECLINED,
    State.OFFER_EXPIRED,
    State.DISBURSED,
)
# Until the payout: an accepted offer may still be withdrawn (its redeemed points are given back).
WITHDRAWABLE_STATES = (
    State.SUBMITTED,
    State.SCORED,
    State.REFERRED,
    State.APPROVED,
    State.OFFER_ACCEPTED,
)
# A declined application is terminal except for the one human review of an automated decline.
TERMINAL_STATES = (
    State.DECLINED,
    State.OFFER_DECLINED,
    State.OFFER_EXPIRED,
    State.DISBURSED,
    State.WITHDRAWN,
)
OPEN_STATES = tuple(s for s in State if s not in TERMINAL_STATES)


class LoanApplication(Transitionable, FSMModelMixin, models.Model):
    """A customer's request for a loan under one exact product version, from draft to disbursal.

    The applicant-stated risk facts that the customer profile does not hold (balances, housing,
    property, guarantor) are asked here; their allowed values are risk's feature schema
    (`risk.mapping.FEATURES`) and are checked by the services, not by model choices, so a risk
    schema change needs no migration here. The offer is stored as it was shown (`offer`), and
    what the customer accepted is stored again, with the consents, in `disclosure`.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("customer"),
    )
    product_version = models.ForeignKey(
        "products.ProductVersion",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("product version"),
    )
    amount = money_field(_("requested amount"))
    term = models.PositiveSmallIntegerField(_("term (months)"))
    method = models.CharField(_("repayment method"), max_length=20, choices=RepaymentMethod.choices)
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    # Grace (宽限期) asked for, within what the product offers: installments of interest only (or
    # capitalised interest) before repayment of principal starts. 0: none.
    grace_periods = models.PositiveSmallIntegerField(_("grace installments"), default=0)
    grace_type = models.CharField(_("grace type"), max_length=20, choices=GraceType.choices, blank=True)
    purpose = models.CharField(_("purpose"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    utm = models.JSONField(_("UTM parameters"), default=dict, blank=True)
    referral_code = models.CharField(_("referral code"), max_length=64, blank=True)
    # The partner channel's code the applicant arrived through (a partner landing in marketing's
    # attribution window), snapshotted at submission (applications.hooks.partner_for).
    partner_code = models.CharField(_("partner code"), max_length=32, blank=True)
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True, db_index=True
    )
    state_changed_at = models.DateTimeField(_("in state since"), auto_now_add=True)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_applications",
        verbose_name=_("assigned officer"),
    )

    # Applicant-stated risk facts (values: risk.mapping.FEATURES[name].choices).
    checking_balance_band = models.CharField(_("current-account balance"), max_length=20, blank=True)
    savings_band = models.CharField(_("savings and bonds"), max_length=20, blank=True)
    housing = models.CharField(_("housing"), max_length=20, blank=True)
    property_type = models.CharField(_("most valuable property"), max_length=20, blank=True)
    guarantor = models.CharField(_("guarantor or co-applicant"), max_length=20, blank=True)

    # Submission and scoring
    segments = models.JSONField(
        _("segments at submission"),
        default=list,
        blank=True,
        help_text=_("The catalogue segments the applicant was in when submitting; the offer applies theirs."),
    )
    credit_check_consent_at = models.DateTimeField(_("credit check consent given"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    scoring_request = models.ForeignKey(
        "risk.ScoringRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scoring request"),
    )
    scoring_requeued_at = models.DateTimeField(_("scoring requeued"), null=True, blank=True)
    decision = models.ForeignKey(
        "risk.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("risk decision"),
    )
    risk_grade = models.CharField(_("risk grade"), max_length=1, choices=RiskGrade.choices, blank=True)
    max_amount = money_field(_("maximum amount (decision)"), null=True, blank=True)
    max_term = models.PositiveSmallIntegerField(_("maximum term (decision)"), null=True, blank=True)

    # Maker-checker: the first of two approvals of a large referred application.
    pending_approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first approval by"),
    )
    pending_approval_at = models.DateTimeField(_("first approval at"), null=True, blank=True)
    pending_approval = models.JSONField(_("first approval (terms, reason)"), default=dict, blank=True)

    # The offer, as shown to the customer (columns for queries, JSON for the full disclosure).
    offer = models.JSONField(_("offer as shown"), default=dict, blank=True)
    offer_amount = money_field(_("offer amount"), null=True, blank=True)
    offer_term = models.PositiveSmallIntegerField(_("offer term (months)"), null=True, blank=True)
    offer_rate = rate_field(_("offer annual rate"), null=True, blank=True)
    offer_apr = apr_field(_("offer APR"), null=True, blank=True)
    offer_installment = money_field(_("offer installment"), null=True, blank=True)
    offer_total_cost = money_field(_("offer total cost"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    disclosure = models.JSONField(_("disclosure accepted"), default=dict, blank=True)
    offer_accepted_at = models.DateTimeField(_("offer accepted"), null=True, blank=True)
    disbursed_at = models.DateTimeField(_("disbursed"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["state", "-id"], name="app_state_id"),
            models.Index(fields=["state", "state_changed_at"], name="app_state_since"),
        ]

    state_changed_field = "state_changed_at"
    transition_actions = {
        "submit": pgettext_lazy("action", "submit"),
        "start_scoring": pgettext_lazy("action", "start scoring"),
        "mark_scored": pgettext_lazy("action", "record the score"),
        "approve": pgettext_lazy("action", "approve"),
        "refer": pgettext_lazy("action", "refer"),
        "decline": pgettext_lazy("action", "decline"),
        "accept_offer": pgettext_lazy("action", "accept the offer"),
        "decline_offer": pgettext_lazy("action", "decline the offer"),
        "expire_offer": pgettext_lazy("action", "expire the offer"),
        "expire_acceptance": pgettext_lazy("action", "expire the accepted offer"),
        "disburse": pgettext_lazy("action", "disburse"),
        "withdraw": pgettext_lazy("action", "withdraw"),
        "change": pgettext_lazy("action", "change"),
        "assign": pgettext_lazy("action", "assign"),
        "request_review": pgettext_lazy("action", "request a human review"),
        "uphold_review": pgettext_lazy("action", "uphold the decision"),
        "overturn_review": pgettext_lazy("action", "overturn the decision"),
        "assess": pgettext_lazy("action", "assess the business"),
        "override_grade": pgettext_lazy("action", "override the grade"),
    }

    def __str__(self) -> str:
        return f"A{self.pk:08d}" if self.pk else "A-new"

    @property
    def grace(self) -> dict | None:
        """The grace asked for, in the quote's and the engine's shape (None: no grace)."""
        if not self.grace_periods:
            return None
        return {"periods": self.grace_periods, "type": self.grace_type}

    def transition_event(self, **fields) -> ApplicationEvent:
        return ApplicationEvent(application=self, **fields)

    # --- transitions: guards only; applications.services does the work around them ------------
    @transition(
        field=state, source=State.DRAFT, target=State.SUBMITTED, permission=transition_by_owner_or_officer
    )
    def submit(self) -> None:
        """The customer sends the application with their consent to a credit check."""

    @transition(field=state, source=State.SUBMITTED, target=State.SCORING)
    def start_scoring(self) -> None:
        """A risk scoring request exists for it."""

    @transition(field=state, source=State.SCORING, target=State.SCORED)
    def mark_scored(self) -> None:
        """Risk answered (with a decision, or without one when the input could not be scored)."""

    @transition(
        field=state,
        source=[State.SCORED, State.REFERRED],
        target=State.APPROVED,
        permission=transition_by_officer,
    )
    def approve(self) -> None:
        """Approved automatically (from scored) or by officers (from referred)."""

    @transition(field=state, source=State.SCORED, target=State.REFERRED, permission=transition_by_officer)
    def refer(self) -> None:
        """Sent to manual review."""

    @transition(
        field=state,
        source=[State.SCORED, State.REFERRED],
        target=State.DECLINED,
        permission=transition_by_officer,
    )
    def decline(self) -> None:
        """Declined by risk (from scored) or by an officer."""

    @transition(
        field=state, source=State.APPROVED, target=State.OFFER_ACCEPTED, permission=transition_by_owner
    )
    def accept_offer(self) -> None:
        """The customer accepts the offer as shown."""

    @transition(
        field=state, source=State.APPROVED, target=State.OFFER_DECLINED, permission=transition_by_owner
    )
    def decline_offer(self) -> None:
        """The customer turns the offer down."""

    @transition(field=state, source=State.APPROVED, target=State.OFFER_EXPIRED)
    def expire_offer(self) -> None:
        """The offer was not accepted in time."""

    @transition(
        field=state, source=State.OFFER_ACCEPTED, target=State.OFFER_EXPIRED, permission=transition_by_system
    )
    def expire_acceptance(self) -> None:
        """The system only (no actor): an accepted offer not paid out in time lapses."""

    @transition(
        field=state, source=State.OFFER_ACCEPTED, target=State.DISBURSED, permission=transition_by_officer
    )
    def disburse(self) -> None:
        """The loan is opened in servicing in the same transaction."""

    @transition(
        field=state, source=list(WITHDRAWABLE_STATES), target=State.WITHDRAWN, permission=transition_by_owner
    )
    def withdraw(self) -> None:
        """The customer withdraws before the loan is paid out."""

    @transition(
        field=state, source=State.DECLINED, target=State.REVIEW_REQUESTED, permission=transition_by_owner
    )
    def request_review(self) -> None:
        """The customer asks a person to review an automated decline (the service checks that it
        was the system's and that this decision was not reviewed before)."""

    @transition(
        field=state,
        source=State.REVIEW_REQUESTED,
        target=State.DECLINED,
        permission=transition_by_officer,
    )
    def uphold_review(self) -> None:
        """An officer reviewed the automated decline and upholds it."""

    @transition(
        field=state,
        source=State.REVIEW_REQUESTED,
        target=State.REFERRED,
        permission=transition_by_officer,
    )
    def overturn_review(self) -> None:
        """An officer overturns the automated decline: the application goes to manual review."""


class ApplicationEvent(TransitionEvent):
    """One step of an application's timeline: a transition, or a note with the same state on both
    sides (assignment, first approval of a maker-checker pair, scoring requeued)."""

    application = models.ForeignKey(
        LoanApplication, on_delete=models.PROTECT, related_name="events", verbose_name=_("application")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        labels = dict(State.choices)  # in the reader's language (the console's event rows)
        before, after = labels.get(self.from_state, self.from_state), labels.get(self.to_state, self.to_state)
        return f"{self.application}: {before} → {after}"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("Decision upheld")
    OVERTURNED = "overturned", _("Decision overturned: referred to an officer")


class ReviewRequest(models.Model):
    """A customer's request that a person review a credit decision made solely by automated
    means (PIPL arts. 24 and 55): the decision reviewed, the customer's reason, and the officer's
    outcome with the explanation the customer is shown. One per decision; the application's
    `review_requested` state puts it in the officers' queue and its events record each step.
    """

    application = models.ForeignKey(
        LoanApplication,
        on_delete=models.PROTECT,
        related_name="review_requests",
        verbose_name=_("application"),
    )
    decision = models.ForeignKey(
        "risk.Decision",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decision reviewed"),
    )
    reviewed_state = models.CharField(_("state reviewed"), max_length=20, choices=State.choices)
    reason = models.TextField(_("customer's reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), db_index=True)
    # Blank while the review waits for an officer.
    outcome = models.CharField(_("outcome"), max_length=12, choices=ReviewOutcome.choices, blank=True)
    explanation = models.TextField(_("officer's explanation"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    decided_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("human review request")
        verbose_name_plural = _("human review requests")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("application", "decision"), name="review_once_per_decision"),
        ]
        indexes = [models.Index(fields=["outcome", "requested_at"], name="review_queue")]

    def __str__(self) -> str:
        return f"R{self.pk:06d} {self.application}" if self.pk else "R-new"

    @property
    def pending(self) -> bool:
        return not self.outcome


# Collateral and guarantors live in their own module (imported so Django finds the models).
from applications.collateral_models import ApplicationCollateral, ApplicationGuarantor  # noqa: E402,F401
