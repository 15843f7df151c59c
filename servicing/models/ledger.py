"""The double-entry ledger: the chart of accounts, journal entries and their postings.

Entries and postings are written only by `servicing.ledger.post` and never change afterwards.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field
from servicing import choices as c
from servicing.models.loans import Loan


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
        side = f"{_('Dr')} {self.debit}" if self.debit else f"{_('Cr')} {self.credit}"
        return f"{self.account_id} {side}"
