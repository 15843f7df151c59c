"""Collateral pledged and guarantors named on an application (imported by applications.models).

Both are recorded while the application is open and copied to the loan at disbursement
(`servicing.collateral`); the loan-to-value and the guarantor's checks are
`applications.services.collateral`'s.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field
from risk.collateral import CollateralType


class ApplicationCollateral(models.Model):
    """One item of collateral pledged for an application: its type, its market value on the
    valuation date, and what it is (the address, the plate, the account)."""

    application = models.ForeignKey(
        "applications.LoanApplication",
        on_delete=models.PROTECT,
        related_name="collateral",
        verbose_name=_("application"),
    )
    collateral_type = models.CharField(_("collateral type"), max_length=20, choices=CollateralType.choices)
    value = money_field(_("market value"))
    valuation_date = models.DateField(_("valuation date"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        app_label = "applications"
        ordering = ("id",)
        verbose_name = _("collateral")
        verbose_name_plural = _("collateral")
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="app_collateral_value_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.get_collateral_type_display()} {self.value}"


class ApplicationGuarantor(models.Model):
    """A customer who guarantees an application: a customer of LoanHub, KYC-verified, with their
    own profile and score."""

    application = models.ForeignKey(
        "applications.LoanApplication",
        on_delete=models.PROTECT,
        related_name="guarantors",
        verbose_name=_("application"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="guarantees", verbose_name=_("guarantor")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        app_label = "applications"
        ordering = ("id",)
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [
            models.UniqueConstraint(fields=("application", "customer"), name="app_guarantor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application} ← {self.customer_id}"
