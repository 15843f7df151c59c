"""Close of business: one run per business date, its chunks, and a snapshot row per loan and day."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field
from servicing import choices as c
from servicing.models.loans import Loan


class CobRun(models.Model):
    """The close of one business date (日终): accrual, overdue, classification, provisions."""

    business_date = models.DateField(_("business date"), unique=True)
    # The last date this catch-up closes: when a run finishes, the next date's run starts until
    # `through` is closed (so workers chain the days without anyone waiting on them).
    through = models.DateField(_("closing through"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=c.CobStatus.choices, default=c.CobStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    loans = models.PositiveIntegerField(_("loans"), default=0)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("close-of-business run")
        verbose_name_plural = _("close-of-business runs")
        ordering = ("-business_date",)

    def __str__(self) -> str:
        return f"COB {self.business_date}"


class CobChunk(models.Model):
    """A range of loan ids closed in one transaction; a done chunk is never run again."""

    run = models.ForeignKey(CobRun, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("run"))
    number = models.PositiveIntegerField(_("number"))
    first_id = models.BigIntegerField(_("first loan id"))
    last_id = models.BigIntegerField(_("last loan id"))
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    loans = models.PositiveIntegerField(_("loans"), default=0)
    # Loans closed one by one (replayed) rather than set-based: catch-up, credit held, a class
    # pulled by the borrower's other loans.
    replayed = models.PositiveIntegerField(_("loans replayed"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The chunk's loans by (bucket, class, stage) with their sums, as its transaction closed them:
    # the run's counts are these folded, not a scan of the whole date's snapshots at its end.
    counts = models.JSONField(_("counts"), default=list, blank=True)

    class Meta:
        verbose_name = _("close-of-business chunk")
        verbose_name_plural = _("close-of-business chunks")
        ordering = ("run", "number")
        constraints = [models.UniqueConstraint(fields=("run", "number"), name="cob_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.run} #{self.number}"


class LoanSnapshot(models.Model):
    """A loan at the end of a business date, for monitoring (written by close of business)."""

    business_date = models.DateField(_("business date"))
    # No index on the loan alone: close of business inserts a row per loan a day in date order, and
    # a loan index would cost each insert a page in the middle of the index. A loan's history reads
    # the (date, loan) index one date at a time (`selectors.loan_classification_history`).
    loan = models.ForeignKey(
        Loan,
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_constraint=False,
        db_index=False,
        verbose_name=_("loan"),
    )
    days_past_due = models.PositiveIntegerField(_("days past due"))
    delinquency_bucket = models.CharField(_("delinquency bucket"), max_length=16)
    classification = models.CharField(_("classification"), max_length=16, choices=c.Classification.choices)
    ifrs9_stage = models.PositiveSmallIntegerField(_("IFRS 9 stage"))
    principal_outstanding = money_field(_("principal outstanding"), default=Decimal("0.00"))
    overdue_amount = money_field(_("overdue amount"), default=Decimal("0.00"))
    provision = money_field(_("provision"), default=Decimal("0.00"))
    interest_due = money_field(_("interest due"), default=Decimal("0.00"))
    penalty_due = money_field(_("penalty interest due"), default=Decimal("0.00"))
    ecl = money_field(_("expected credit loss (IFRS 9)"), default=Decimal("0.00"))
    non_accrual = models.BooleanField(_("non-accrual"), default=False)

    class Meta:
        verbose_name = _("loan snapshot")
        verbose_name_plural = _("loan snapshots")
        constraints = [
            models.UniqueConstraint(fields=("business_date", "loan"), name="loan_snapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}@{self.business_date}"
