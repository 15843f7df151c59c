"""Collateral types and the haircut per type: what a pledge is worth to the lender after a fall
in its price and the cost of selling it. Risk analysts edit the haircuts (admin: Collateral
haircuts); the loan-to-value check, the secured amount and the per-loan LGD read them here.

Secured value = value × (1 − haircut), to the cent, half-up. The shipped haircuts are reviewable
defaults, not calibrated on recoveries (LoanHub has none): deposits pledged at the lender 0 %
(cash), real estate 30 % (the common 70 % mortgage rate, 抵押率, of Chinese banks' residential
lending), vehicles 40 %, equipment 50 %, receivables 50 %.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from loanhub.money import quantize_money, rate_field


class CollateralType(models.TextChoices):
    REAL_ESTATE = "real_estate", _("Real estate")
    VEHICLE = "vehicle", _("Vehicle")
    DEPOSIT = "deposit", _("Deposit")
    RECEIVABLES = "receivables", _("Receivables")
    EQUIPMENT = "equipment", _("Equipment")


DEFAULT_HAIRCUTS = {
    CollateralType.REAL_ESTATE: Decimal("0.30"),
    CollateralType.VEHICLE: Decimal("0.40"),
    CollateralType.DEPOSIT: Decimal("0"),
    CollateralType.RECEIVABLES: Decimal("0.50"),
    CollateralType.EQUIPMENT: Decimal("0.50"),
}


class CollateralHaircut(models.Model):
    """The haircut risk applies to one type of collateral: the share of its value the lender does
    not count on recovering. One row per type; edits are kept in the history."""

    collateral_type = models.CharField(
        _("collateral type"), max_length=20, choices=CollateralType.choices, unique=True
    )
    haircut = rate_field(
        _("haircut"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the value not counted on: 0.30 counts 0.70 × the value as secured."),
    )
    revalue_after_months = models.PositiveSmallIntegerField(
        _("revalue after (months)"),
        default=12,
        help_text=_("A valuation older than this is flagged for revaluation."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        app_label = "risk"
        ordering = ("collateral_type",)
        verbose_name = _("collateral haircut")
        verbose_name_plural = _("collateral haircuts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(haircut__gte=0, haircut__lte=1), name="risk_haircut_0_to_1"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_collateral_type_display()}: {self.haircut:.2%}"


def haircuts() -> dict[str, Decimal]:
    """Haircut per collateral type: the table's, else the shipped default."""
    table = dict(CollateralHaircut.objects.values_list("collateral_type", "haircut"))
    return {t: table.get(t, DEFAULT_HAIRCUTS[t]) for t in CollateralType.values}


def revalue_after_months() -> dict[str, int]:
    table = dict(CollateralHaircut.objects.values_list("collateral_type", "revalue_after_months"))
    return {t: table.get(t, 12) for t in CollateralType.values}


def secured_value(
    *, collateral_type: str, value: Decimal, table: dict[str, Decimal] | None = None
) -> Decimal:
    """Value × (1 − haircut), half-up to the cent."""
    haircut = (table or haircuts())[collateral_type]
    return quantize_money(value * (Decimal(1) - haircut))
