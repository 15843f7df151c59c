"""Recoveries: money received for a written-off loan, booked as recovery income (not allocated)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field
from servicing.models.ledger import JournalEntry
from servicing.models.loans import Loan


class Recovery(models.Model):
    """Cash recovered after a loan was written off (核销后收回): Dr repayment clearing, Cr recovery
    income. The loan's position and schedule stay as they were at the write-off."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("loan")
    )
    amount = money_field(_("amount"))
    value_date = models.DateField(_("value date"))
    entry = models.OneToOneField(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recovery",
        verbose_name=_("journal entry"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    request_hash = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("posted by"),
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ("-posted_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("loan", "idempotency_key"), name="recovery_unique_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} recovery #{self.pk}"
