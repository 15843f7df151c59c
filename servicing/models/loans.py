"""Loans: the terms and schedule pinned at disbursement, and the position kept up to date.

A `Loan` is opened once per origin (`origin_ref`, the application it was disbursed for, is
unique, so the database itself refuses a second disbursement) by `servicing.services.loan_open`,
which stores the terms, the engine's schedule and summary exactly as they were at disbursement.

After that, two writers keep its *position* (what is paid, overdue, classified, provisioned) and
its *sub-ledger* (the `sl_*` running totals behind every journal line of the loan): the repayment
services (`servicing.repayments`, replaying the loan with `servicing.position`) and close of
business (`servicing.cob`, set-based). Both lock the row first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.money import CURRENCIES, apr_field, money_field, rate_field
from loanhub.transitions import Transitionable
from servicing import choices as c


class Loan(Transitionable, FSMModelMixin, models.Model):
    """A disbursed loan (贷款): the terms, schedule summary and cost pinned at disbursement.

    The numbers are the engine's output for the stored terms and `start_date`; they are never
    recomputed, so what the customer was shown can be proven later.
    """

    state_field_name = "status"

    # The application's number with an L: A00000042 is disbursed as L00000042 (one loan each).
    number = models.CharField(_("loan number"), max_length=16, unique=True, editable=False)
    # Where the loan came from, as a reference only (servicing sits below applications and does not
    # know its models): "A00000042" for an application. Unique: one loan per origin.
    origin_ref = models.CharField(_("origin"), max_length=32, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="loans", verbose_name=_("customer")
    )
    product_version = models.ForeignKey(
        "products.ProductVersion",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("product version"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY", choices=CURRENCIES)
    principal = money_field(_("principal"))
    annual_rate = rate_field(_("annual interest rate"), help_text=_("a fraction: 0.049 = 4.9 %"))
    term = models.PositiveSmallIntegerField(_("term (installments)"))
    frequency = models.CharField(_("frequency"), max_length=16, choices=c.Frequency.choices)
    method = models.CharField(_("repayment method"), max_length=20, choices=c.Method.choices)
    day_count = models.CharField(_("day count"), max_length=8, choices=c.DAY_COUNT_CHOICES)
    fees = models.JSONField(_("fees"), default=list, blank=True, encoder=DjangoJSONEncoder)
    grace = models.JSONField(_("grace"), null=True, blank=True, encoder=DjangoJSONEncoder)
    interest_free_periods = models.PositiveSmallIntegerField(_("interest-free installments"), default=0)
    start_date = models.DateField(_("disbursement date"))
    first_due_date = models.DateField(_("first due date"))
    maturity_date = models.DateField(_("maturity date"))
    apr = apr_field(_("APR"))
    effective_annual_rate = apr_field(_("effective annual rate"))
    total_interest = money_field(_("total interest"))
    total_fees = money_field(_("total fees"))
    total_payable = money_field(_("total payable"))
    net_proceeds = money_field(_("net proceeds"))
    status = FSMField(
        _("status"),
        max_length=16,
        choices=c.LoanStatus.choices,
        default=c.LoanStatus.ACTIVE,
        protected=True,
        db_index=True,
    )
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("disbursed by"),
    )
    disbursed_at = models.DateTimeField(_("disbursed at"), default=timezone.now)
    risk_grade = models.CharField(_("risk grade at origination"), max_length=1, blank=True)
    pd = models.DecimalField(
        _("12-month probability of default at origination"),
        max_digits=7,
        decimal_places=6,
        default=Decimal("0"),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Prepayment terms pinned at disbursement (`servicing.prepayments.PrepaymentTerms`): fee kind,
    # flat amount, rate, free allowance, lock-in months, minimum, modes, allowed after.
    prepayment_terms = models.JSONField(
        _("prepayment terms"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    # Bumped by every applied schedule change (prepayment, deferral): a quote made on an older
    # version is refused, so what was shown is what is applied.
    schedule_version = models.PositiveIntegerField(_("schedule version"), default=0)
    # A restructured loan is classified at least substandard through this date; a day past due
    # within it starts the observation period again (`servicing.restructuring`).
    observation_until = models.DateField(_("restructuring observation until"), null=True, blank=True)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)

    # Floating rate (LPR + spread), pinned from the product version at disbursement. `annual_rate`
    # is the rate in force: a reset (`servicing.rate_resets`) changes it, while `initial_rate` keeps
    # the rate of the pinned schedule, from which the engine rebuilds the loan's schedule.
    rate_type = models.CharField(
        _("rate type"), max_length=16, choices=c.RateType.choices, default=c.RateType.FIXED
    )
    benchmark = models.CharField(_("benchmark"), max_length=16, blank=True)
    rate_spread = models.DecimalField(
        _("spread over the benchmark"),
        max_digits=12,
        decimal_places=8,
        null=True,
        blank=True,
        help_text=_("a fraction, may be negative: 0.0055 = LPR + 55 bp"),
    )
    rate_reset = models.CharField(_("rate reset"), max_length=16, choices=c.RateReset.choices, blank=True)
    next_rate_reset = models.DateField(_("next rate reset"), null=True, blank=True)
    initial_rate = rate_field(_("rate at disbursement"), null=True, blank=True)

    # Servicing terms, pinned from the product version at disbursement.
    penalty_rate = rate_field(_("penalty interest rate (annual)"), default=Decimal("0"))
    compound_penalty = models.BooleanField(_("penalty on overdue interest"), default=True)
    overdue_grace_days = models.PositiveSmallIntegerField(_("overdue grace days"), default=0)
    allocation_order = models.CharField(
        _("allocation order"),
        max_length=40,
        choices=c.AllocationOrder.choices,
        default=c.AllocationOrder.CIVIL_CODE,
    )
    worst_loan_classification = models.BooleanField(_("borrower's worst loan sets the class"), default=False)

    # Position: what the loan owes at the start of `position_date` (the open business date)
    # after that day's payments; written by repayments and close of business.
    position_date = models.DateField(_("position date"), null=True, blank=True)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    delinquency_bucket = models.CharField(_("delinquency bucket"), max_length=16, default="current")
    classification = models.CharField(
        _("classification"),
        max_length=16,
        choices=c.Classification.choices,
        default=c.Classification.PASS,
        db_index=True,
    )
    classification_override = models.CharField(
        _("classification set by an officer"), max_length=16, choices=c.Classification.choices, blank=True
    )
    ifrs9_stage = models.PositiveSmallIntegerField(_("IFRS 9 stage"), default=1)
    non_accrual = models.BooleanField(_("non-accrual"), default=False)
    principal_outstanding = money_field(_("principal outstanding"), default=Decimal("0.00"))
    interest_due = money_field(_("interest due"), default=Decimal("0.00"))
    penalty_due = money_field(_("penalty interest due"), default=Decimal("0.00"))
    fees_due = money_field(_("fees due"), default=Decimal("0.00"))
    credit_balance = money_field(_("credit held (overpayment)"), default=Decimal("0.00"))
    next_due_date = models.DateField(_("next due date"), null=True, blank=True)
    next_due_amount = money_field(_("next due amount"), default=Decimal("0.00"))
    ecl = money_field(_("expected credit loss (IFRS 9)"), default=Decimal("0.00"))
    # The interest period running at `position_date` (from the previous due date, or the start,
    # to the next one) and its scheduled interest: close of business accrues it by days without
    # reading the schedule. No end once the last installment is due.
    accrual_start = models.DateField(_("accrual period start"), null=True, blank=True)
    accrual_end = models.DateField(_("accrual period end"), null=True, blank=True)
    accrual_interest = money_field(_("accrual period interest"), default=Decimal("0.00"))
    # A quiet loan's position holds through this date but for the interest accrued, which close
    # of business books without rewriting the row (see `servicing.quiet`).
    quiet_until = models.DateField(_("quiet until"), null=True, blank=True)

    # Sub-ledger: running totals of every flow the ledger has booked for this loan. The loan's
    # account balances follow from them (see `servicing.subledger`), and their sum over loans
    # is the general ledger's balance of each loan account (a test keeps it so).
    sl_cash = money_field(_("cash received"), default=Decimal("0.00"))
    sl_interest_earned = money_field(_("interest earned"), default=Decimal("0.00"))
    sl_penalty_earned = money_field(_("penalty earned"), default=Decimal("0.00"))
    sl_fees_charged = money_field(_("fees charged"), default=Decimal("0.00"))
    sl_capitalised = money_field(_("interest capitalised"), default=Decimal("0.00"))
    sl_paid_principal = money_field(_("principal paid"), default=Decimal("0.00"))
    sl_paid_interest = money_field(_("interest paid"), default=Decimal("0.00"))
    sl_paid_penalty = money_field(_("penalty paid"), default=Decimal("0.00"))
    sl_paid_fees = money_field(_("fees paid"), default=Decimal("0.00"))
    sl_suspense_interest = money_field(_("interest in suspense"), default=Decimal("0.00"))
    sl_suspense_penalty = money_field(_("penalty in suspense"), default=Decimal("0.00"))
    sl_reserve = money_field(_("loan-loss reserve"), default=Decimal("0.00"))
    sl_restructured = money_field(_("arrears capitalised by restructuring"), default=Decimal("0.00"))
    sl_version = models.PositiveIntegerField(_("sub-ledger version"), default=0)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["customer", "-id"], name="loan_customer_id"),
            models.Index(fields=["status", "id"], name="loan_status_id"),
            # What close of business asks each day: the floating loans whose reset falls due.
            models.Index(
                fields=["next_rate_reset", "id"],
                name="loan_next_rate_reset",
                condition=Q(next_rate_reset__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(
                condition=Q(net_proceeds__gt=0, net_proceeds__lte=models.F("principal")),
                name="loan_net_proceeds_within_principal",
            ),
            models.CheckConstraint(condition=Q(term__gte=1), name="loan_term_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def upfront_fees(self) -> Decimal:
        """Fees netted from the proceeds at disbursement (手续费), booked as fee income then."""
        return self.principal - self.net_proceeds

    def transition_event(self, **fields) -> LoanEvent:
        return LoanEvent(loan=self, **fields)

    @transition(
        field=status,
        source=c.LoanStatus.ACTIVE,
        target=c.LoanStatus.CLOSED,
        conditions=[lambda loan: loan.principal_outstanding == 0 and loan.total_due == 0],
    )
    def close(self) -> None:
        """Everything is paid (`servicing.repayments` closes it after the last payment)."""

    @transition(field=status, source=c.LoanStatus.CLOSED, target=c.LoanStatus.ACTIVE)
    def reopen(self) -> None:
        """A reversal (bounced debit) of a payment that closed the loan."""

    @transition(
        field=status,
        source=c.LoanStatus.ACTIVE,
        target=c.LoanStatus.WRITTEN_OFF,
        conditions=[lambda loan: loan.classification == c.Classification.LOSS],
    )
    def write_off(self) -> None:
        """A loss-classified loan is written off against the reserve (`servicing.write_offs`)."""

    @property
    def total_due(self) -> Decimal:
        return self.interest_due + self.penalty_due + self.fees_due


class LoanEvent(TransitionEvent):
    """A loan's state changes and servicing notes (repayment posted or reversed, reclassified)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="events", verbose_name=_("loan"))

    class Meta(TransitionEvent.Meta):
        verbose_name = _("loan event")
        verbose_name_plural = _("loan events")

    def __str__(self) -> str:
        labels = dict(c.LoanStatus.choices)  # the states in the reader's language
        before, after = labels.get(self.from_state, self.from_state), labels.get(self.to_state, self.to_state)
        return f"{self.loan} {before}→{after}"


class LoanInstallment(models.Model):
    """One row of a loan's pinned repayment schedule (还款计划), as the engine computed it.

    payment = principal + interest + fees; `balance` is the principal outstanding after the row.
    A capitalised grace row has a negative principal part (the balance grows by the interest).
    """

    # No index of its own: the unique (loan, number) index leads with the loan and serves every
    # lookup by loan, in number order. A second one cost each installment whose status changes
    # (close of business, payments) one more index entry (benchmarks/bench_cob.py).
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="installments", verbose_name=_("loan"), db_index=False
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    payment = money_field(_("payment"))
    principal = money_field(_("principal"))
    interest = money_field(_("interest"))
    fees = money_field(_("fees"))
    balance = money_field(_("balance after"))
    paid_principal = money_field(_("principal paid"), default=Decimal("0.00"))
    paid_interest = money_field(_("interest paid"), default=Decimal("0.00"))
    paid_fees = money_field(_("fees paid"), default=Decimal("0.00"))
    paid_penalty = money_field(_("penalty paid"), default=Decimal("0.00"))
    # Penalty interest kept exact: Σ overdue amount × annual rate × days (÷ 365 when read).
    penalty_basis = models.DecimalField(_("penalty basis"), max_digits=32, decimal_places=12, default=0)
    grace_basis = models.DecimalField(
        _("penalty basis in grace"), max_digits=32, decimal_places=12, default=0
    )
    penalty_charged = models.BooleanField(_("penalty charged"), default=False)
    # An overdue installment whose penalty is charged adds the same amount to its basis every day
    # until a payment or a rate change rewrites it: `penalty_basis` then stands as of
    # `penalty_from` and grows by `penalty_daily` a day (read it with `penalty_basis_on`), so close
    # of business does not rewrite the row each day. Null: the basis stands as stored.
    penalty_from = models.DateField(_("penalty basis as of"), null=True, blank=True)
    penalty_daily = models.DecimalField(
        _("penalty basis added a day"), max_digits=32, decimal_places=12, default=0
    )
    status = models.CharField(
        _("status"), max_length=16, choices=c.InstallmentStatus.choices, default=c.InstallmentStatus.PENDING
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ("loan", "number")
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="installment_unique_number"),
        ]
        # What close of business reads each day: the rows falling due, the unpaid due ones, and
        # those paid within their grace days whose waived penalty basis is cleared at its end.
        indexes = [
            models.Index(fields=["due_date", "loan"], name="installment_due_loan"),
            models.Index(
                fields=["loan"],
                name="installment_unpaid_due",
                condition=Q(status__in=("due", "overdue")),
            ),
            models.Index(fields=["loan"], name="installment_grace_basis", condition=~Q(grace_basis=0)),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number}"

    def penalty_basis_on(self, day: dt.date) -> Decimal:
        """The exact penalty basis at the start of `day` (a date the loan's position stands at or
        after; see `penalty_from`)."""
        if self.penalty_from is None:
            return self.penalty_basis
        return self.penalty_basis + self.penalty_daily * (day - self.penalty_from).days
