"""Bank statements imported as repayments, line by line, with the suspense queue.

A `StatementImport` is one uploaded file; its `StatementLine`s are the file's rows and what
became of each (`servicing.statements` decides: posted to a loan, a duplicate of money already
imported, in suspense for an officer, or an error). The lines keep as little personal data as
the work needs: the payer's name and account are stored masked, and the reference text with any
identity or mobile number masked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.money import money_field
from loanhub.transitions import Transitionable
from servicing import choices as c
from servicing.models.loans import Loan
from servicing.models.repayments import Repayment

# Lines whose money is accounted for by this line: a later line with the same key is a duplicate.
CLAIMING_STATUSES = (
    c.StatementLineStatus.POSTED,
    c.StatementLineStatus.SUSPENSE,
    c.StatementLineStatus.RESOLVED,
)


class StatementImport(models.Model):
    """One bank-statement file an officer imported (银行流水导入), with what its lines became.

    The counts are those of the import itself; resolving a line in suspense later does not change
    them (the line shows its resolution). `same_file_as` names an earlier import of the very same
    bytes (SHA-256), which then posts nothing new.
    """

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    encoding = models.CharField(_("encoding"), max_length=16)
    same_file_as = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("same file as"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    posted = models.PositiveIntegerField(_("posted"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched (suspense)"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"S{self.pk:06d}" if self.pk else "S-new"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "lines": self.line_count,
            "posted": self.posted,
            "duplicates": self.duplicates,
            "unmatched": self.unmatched,
            "errors": self.errors,
        }


class StatementLine(Transitionable, FSMModelMixin, models.Model):
    """One row of an imported bank statement and what became of it.

    `external_id` is the line's business key (the bank's transaction id, else a hash of the row;
    see `servicing.statements`): the repayment posted for it carries the same key, so the money
    is never posted twice. A line in suspense (unmatched reference, or a loan that takes no
    payments) is resolved by an officer: assigned to a loan (posted then) or returned to the payer.
    """

    state_field_name = "status"

    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="lines", verbose_name=_("statement import")
    )
    line_number = models.PositiveIntegerField(_("line"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = money_field(_("amount"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=255, blank=True)
    counterparty = models.CharField(_("payer (masked)"), max_length=100, blank=True)
    transaction_id = models.CharField(_("bank transaction id"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    status = FSMField(_("status"), max_length=16, choices=c.StatementLineStatus.choices, protected=True)
    message = models.CharField(_("outcome"), max_length=255, blank=True)
    loan = models.ForeignKey(
        Loan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_lines",
        verbose_name=_("loan"),
    )
    repayment = models.ForeignKey(
        Repayment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_lines",
        verbose_name=_("repayment"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=c.StatementResolution.choices, blank=True
    )
    resolution_note = models.CharField(_("resolution note"), max_length=255, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ("-id",)
        indexes = [models.Index(fields=["status", "-id"], name="stmtline_status_id")]
        constraints = [
            # One line accounts for each piece of money: a second import of it is a duplicate.
            models.UniqueConstraint(
                fields=("external_id",),
                condition=Q(status__in=CLAIMING_STATUSES) & ~Q(external_id=""),
                name="stmtline_unique_claiming_external_id",
            ),
            models.UniqueConstraint(
                fields=("statement_import", "line_number"), name="stmtline_unique_line_number"
            ),
        ]

    def __str__(self) -> str:
        return f"S{self.statement_import_id or 0:06d}/{self.line_number}"

    def transition_event(self, **fields) -> StatementLineEvent:
        return StatementLineEvent(line=self, **fields)

    @transition(
        field=status,
        source=c.StatementLineStatus.SUSPENSE,
        target=c.StatementLineStatus.RESOLVED,
        permission="servicing.change_statementline",
    )
    def assign(self) -> None:
        """The officer found the loan: the money is posted to it."""

    @transition(
        field=status,
        source=c.StatementLineStatus.SUSPENSE,
        target=c.StatementLineStatus.RESOLVED,
        permission="servicing.change_statementline",
    )
    def return_to_payer(self) -> None:
        """Nobody owes it to us (or the loan takes no more payments): the money goes back."""


class StatementLineEvent(TransitionEvent):
    """A suspense line's resolution: who assigned or returned it, when, and why."""

    line = models.ForeignKey(
        StatementLine, on_delete=models.PROTECT, related_name="events", verbose_name=_("line")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("bank statement line event")
        verbose_name_plural = _("bank statement line events")

    def __str__(self) -> str:
        return f"{self.line} {self.from_state}→{self.to_state}"
