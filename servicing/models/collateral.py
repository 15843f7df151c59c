"""Collateral securing a loan, copied from its application at disbursement."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field
from risk.collateral import CollateralType


class LoanCollateral(models.Model):
    """One item of collateral securing a loan: type, market value and its valuation date. The
    secured amount (value after the type's haircut) lowers the loan's LGD
    (`servicing.collateral.loan_lgd`); a valuation older than the type's revaluation age is
    flagged by the scheduled revaluation (`revaluation_due`)."""

    loan = models.ForeignKey(
        "servicing.Loan", on_delete=models.PROTECT, related_name="collateral", verbose_name=_("loan")
    )
    origin_ref = models.CharField(_("origin"), max_length=64, help_text=_("The application's item."))
    collateral_type = models.CharField(_("collateral type"), max_length=20, choices=CollateralType.choices)
    value = money_field(_("market value"))
    valuation_date = models.DateField(_("valuation date"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    revaluation_due = models.BooleanField(_("revaluation due"), default=False, db_index=True)
    revaluation_flagged_on = models.DateField(_("revaluation flagged on"), null=True, blank=True)

    class Meta:
        app_label = "servicing"
        ordering = ("loan_id", "id")
        verbose_name = _("loan collateral")
        verbose_name_plural = _("loan collateral")
        constraints = [
            models.UniqueConstraint(fields=("loan", "origin_ref"), name="loan_collateral_once"),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="loan_collateral_value_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_collateral_type_display()} {self.value}"
