"""Revolving credit lines (随借随还): the limit an application approved, draws and repayments on it,
the monthly statements with their minimum due, and the line's position.

A `CreditLine` is opened once per origin (an application whose product's repayment method is
`revolving`) by `servicing.lines.credit_line_open`. Its draws and repayments are rows of
`CreditLineTransaction`; the position columns (drawn principal, interest due, interest accrued,
minimum due, days past due) are the engine's replay of those rows (`products.engine.revolving`)
as of the open business date, written by `servicing.lines` under the line's row lock.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.money import CURRENCIES, money_field, rate_field
from loanhub.transitions import Transitionable
from servicing import choices as c


class CreditLineStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FROZEN = "frozen", _("Frozen (no new draws)")
    CLOSED = "closed", _("Closed")


class CreditLineTransactionKind(models.TextChoices):
    DRAW = "draw", _("Draw")
    REPAYMENT = "repayment", _("Repayment")


class CreditLine(Transitionable, FSMModelMixin, models.Model):
    """A revolving credit line (随借随还额度): the customer draws any amount up to the available
    limit and repays any time; interest accrues daily (ACT/365) on the drawn principal only.

    Terms are pinned from the application's accepted offer at opening and never recomputed.
    """

    state_field_name = "status"
    transition_actions = {
        "freeze": pgettext_lazy("action", "freeze"),
        "unfreeze": pgettext_lazy("action", "unfreeze"),
        "close": pgettext_lazy("action", "close"),
    }

    number = models.CharField(_("credit line number"), max_length=16, unique=True, editable=False)
    # Where the line came from ("A00000042" for an application); unique: one line per origin.
    origin_ref = models.CharField(_("origin"), max_length=32, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="credit_lines",
        verbose_name=_("customer"),
    )
    product_version = models.ForeignKey(
        "products.ProductVersion",
        on_delete=models.PROTECT,
        related_name="credit_lines",
        verbose_name=_("product version"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY", choices=CURRENCIES)
    credit_limit = money_field(_("credit limit"))
    annual_rate = rate_field(_("annual interest rate"), help_text=_("a fraction: 0.0365 = 3.65 %"))
    day_count = models.CharField(_("day count"), max_length=8, choices=c.DAY_COUNT_CHOICES)
    statement_day = models.PositiveSmallIntegerField(_("statement day of the month"))
    minimum_principal_rate = rate_field(_("minimum due: share of principal"))
    due_days = models.PositiveSmallIntegerField(_("days from statement to due date"))
    # Penalty interest (罚息) on an overdue minimum, pinned from the product at opening like a
    # loan's: contract rate × the product's multiplier, capped at the legal cap (servicing.rules).
    penalty_rate = rate_field(_("penalty interest rate (annual)"), default=Decimal("0"))
    compound_penalty = models.BooleanField(_("penalty on overdue interest"), default=True)
    # Pinned from the product at opening like a loan's: a minimum paid within these days after
    # its due date is not past due and owes no penalty (products.engine.revolving).
    overdue_grace_days = models.PositiveSmallIntegerField(_("overdue grace days"), default=0)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    risk_grade = models.CharField(_("risk grade at origination"), max_length=1, blank=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=CreditLineStatus.choices,
        default=CreditLineStatus.ACTIVE,
        protected=True,
        db_index=True,
    )

    # Position as of `position_date` (the open business date) after that day's transactions:
    # interest accrued through the day before, statements closed on earlier days.
    position_date = models.DateField(_("position date"))
    principal = money_field(_("principal drawn"), default=Decimal("0.00"))
    interest_due = money_field(_("interest due"), default=Decimal("0.00"))
    accrued_interest = money_field(_("interest accrued, not yet charged"), default=Decimal("0.00"))
    minimum_due = money_field(_("minimum still due"), default=Decimal("0.00"))
    due_date = models.DateField(_("due date of the last statement"), null=True, blank=True)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    delinquency_bucket = models.CharField(_("delinquency bucket"), max_length=16, default="current")
    classification = models.CharField(
        _("classification"),
        max_length=16,
        choices=c.Classification.choices,
        default=c.Classification.PASS,
    )
    # Interest the ledger holds as earned (Dr interest receivable / Cr interest income): the
    # charged interest plus the accrued interest rounded once, so the books never drift by
    # a cent however often close of business runs.
    interest_booked = money_field(_("interest booked"), default=Decimal("0.00"))
    # Penalty interest charged to date (rounded once from the exact basis: also what the ledger
    # holds as earned), what of it is unpaid, and the overdue amount bearing it.
    penalty_charged = money_field(_("penalty interest charged"), default=Decimal("0.00"))
    penalty_due = money_field(_("penalty interest due"), default=Decimal("0.00"))
    overdue_amount = money_field(_("overdue amount"), default=Decimal("0.00"))
    # Provisions as for loans: IFRS 9 stage and the reserve booked (Dr provision expense / Cr
    # credit line loss reserve) for the line's class on its drawn principal.
    ifrs9_stage = models.PositiveSmallIntegerField(_("IFRS 9 stage"), default=1)
    reserve = money_field(_("loan-loss reserve"), default=Decimal("0.00"))
    # Non-accrual from LOANHUB_NON_ACCRUAL_DPD (90) days past due, as for loans: the unpaid
    # interest and penalty booked as income are held in suspense (Dr income / Cr the line's
    # suspense accounts 2311, 2321) until paid or the line is back under 90 days.
    suspense_interest = money_field(_("interest in suspense"), default=Decimal("0.00"))
    suspense_penalty = money_field(_("penalty interest in suspense"), default=Decimal("0.00"))
    ledger_version = models.PositiveIntegerField(_("ledger version"), default=0)

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        ordering = ("-id",)
        indexes = [models.Index(fields=["customer", "-id"], name="creditline_customer_id")]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gt=0), name="creditline_limit_positive"),
            models.CheckConstraint(
                condition=Q(principal__gte=0, principal__lte=models.F("credit_limit")),
                name="creditline_principal_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def available(self) -> Decimal:
        """What the customer may draw now: the limit less the principal drawn."""
        return self.credit_limit - self.principal

    @property
    def payoff_amount(self) -> Decimal:
        return self.principal + self.interest_due + self.accrued_interest + self.penalty_due

    @property
    def overdue(self) -> bool:
        return self.days_past_due > 0

    @property
    def non_accrual(self) -> bool:
        return self.days_past_due >= settings.LOANHUB_NON_ACCRUAL_DPD

    def transition_event(self, **fields) -> CreditLineEvent:
        return CreditLineEvent(credit_line=self, **fields)

    @transition(
        field=status,
        source=CreditLineStatus.ACTIVE,
        target=CreditLineStatus.FROZEN,
        permission="servicing.change_creditline",
    )
    def freeze(self) -> None:
        """An officer stops new draws (repayments still go on)."""

    @transition(
        field=status,
        source=CreditLineStatus.FROZEN,
        target=CreditLineStatus.ACTIVE,
        permission="servicing.change_creditline",
    )
    def unfreeze(self) -> None:
        """An officer allows draws again."""

    @transition(
        field=status,
        source=(CreditLineStatus.ACTIVE, CreditLineStatus.FROZEN),
        target=CreditLineStatus.CLOSED,
        conditions=[lambda line: line.payoff_amount == 0],
        permission="servicing.change_creditline",
    )
    def close(self) -> None:
        """Nothing is owed and the line is ended."""


class CreditLineEvent(TransitionEvent):
    """A credit line's state changes and servicing notes (opened, draw, repayment, overdue, cured)."""

    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="events", verbose_name=_("credit line")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("credit line event")
        verbose_name_plural = _("credit line events")

    def __str__(self) -> str:
        return f"{self.credit_line} {self.from_state}→{self.to_state}"


class CreditLineTransaction(models.Model):
    """A draw (提款) or repayment (还款) on a credit line, on its value date; the repayment's split
    into penalty, interest and principal is the engine's (penalty first, then interest)."""

    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("credit line")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CreditLineTransactionKind.choices)
    amount = money_field(_("amount"))
    value_date = models.DateField(_("value date"))
    interest = money_field(_("interest paid"), default=Decimal("0.00"))
    principal = money_field(_("principal"), default=Decimal("0.00"))
    penalty = money_field(_("penalty interest paid"), default=Decimal("0.00"))
    channel = models.CharField(_("channel"), max_length=16, choices=c.RepaymentChannel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit line transaction")
        verbose_name_plural = _("credit line transactions")
        ordering = ("credit_line", "value_date", "id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="creditline_tx_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.credit_line_id} {self.kind} {self.amount} {self.value_date}"


class CreditLineStatement(models.Model):
    """One monthly statement (账单) of a credit line, as the engine closed it: what was drawn,
    repaid and charged in the cycle, the balance, and the minimum due by `due_date`."""

    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="statements", verbose_name=_("credit line")
    )
    period_start = models.DateField(_("period start"))
    statement_date = models.DateField(_("statement date"))
    due_date = models.DateField(_("due date"))
    opening_balance = money_field(_("opening balance"))
    draws = money_field(_("draws"))
    repayments = money_field(_("repayments"))
    interest = money_field(_("interest charged"))
    closing_balance = money_field(_("closing balance"))
    principal_balance = money_field(_("principal balance"))
    interest_due = money_field(_("interest due"))
    minimum_due = money_field(_("minimum due"))

    class Meta:
        verbose_name = _("credit line statement")
        verbose_name_plural = _("credit line statements")
        ordering = ("credit_line", "statement_date")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_line", "statement_date"], name="creditline_statement_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_line_id} {self.statement_date}"
