"""Servicing models: loans with their pinned schedules, and the double-entry ledger.

A `Loan` is opened once per origin (`origin_ref`, the application it was disbursed for, is
unique, so the database itself refuses a second disbursement) by `servicing.services.loan_open`,
which stores the terms, the engine's schedule and summary exactly as they were at disbursement.
Journal entries and their postings are written only by `servicing.ledger.post` and never change afterwards.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.money import apr_field, money_field, rate_field
from servicing import choices as c


class Loan(FSMModelMixin, models.Model):
    """A disbursed loan (贷款): the terms, schedule summary and cost pinned at disbursement.

    The numbers are the engine's output for the stored terms and `start_date`; they are never
    recomputed, so what the customer was shown can be proven later.
    """

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
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
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

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ("-id",)
        indexes = [models.Index(fields=["customer", "-id"], name="loan_customer_id")]
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

    @transition(field=status, source=c.LoanStatus.ACTIVE, target=c.LoanStatus.CLOSED)
    def close(self) -> None:
        """Paid off or written off; repayments and close of business decide when (not yet built)."""


class LoanInstallment(models.Model):
    """One row of a loan's pinned repayment schedule (还款计划), as the engine computed it.

    payment = principal + interest + fees; `balance` is the principal outstanding after the row.
    A capitalised grace row has a negative principal part (the balance grows by the interest).
    """

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="installments", verbose_name=_("loan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    payment = money_field(_("payment"))
    principal = money_field(_("principal"))
    interest = money_field(_("interest"))
    fees = money_field(_("fees"))
    balance = money_field(_("balance after"))

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ("loan", "number")
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="installment_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number}"


class LedgerAccount(models.Model):
    """An account of the chart of accounts (会计科目); balances are sums of its postings."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=c.AccountKind.choices)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class ImmutableQuerySet(models.QuerySet):
    """Ledger rows are written once: bulk updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are immutable")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are immutable")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are immutable; post a correcting entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are immutable; post a correcting entry instead")


class JournalEntry(ImmutableModel):
    """A balanced journal entry (记账凭证) of the double-entry ledger, written by `ledger.post`.

    `idempotency_key` is unique, so posting the same business event twice (a retried task, a
    double click) finds the first entry instead of booking the money again.
    """

    loan = models.ForeignKey(
        Loan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
        verbose_name=_("loan"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=c.EntryKind.choices)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now, db_index=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("posted by"),
    )

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ("-posted_at", "-id")

    def __str__(self) -> str:
        return f"J{self.pk:08d}" if self.pk else "J-new"


class Posting(ImmutableModel):
    """One leg of a journal entry: a debit or a credit (never both) to one account."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings", verbose_name=_("journal entry")
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="postings", verbose_name=_("account")
    )
    debit = money_field(_("debit"), default=Decimal("0.00"))
    credit = money_field(_("credit"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ("entry", "id")
        indexes = [models.Index(fields=["account", "entry"], name="posting_account_entry")]
        constraints = [
            models.CheckConstraint(condition=Q(debit__gte=0), name="posting_debit_not_negative"),
            models.CheckConstraint(condition=Q(credit__gte=0), name="posting_credit_not_negative"),
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)),
                name="posting_one_side_only",
            ),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account_id} {side}"
