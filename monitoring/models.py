"""Monitoring aggregates: small tables the dashboards and the API read instead of the loans.

Each is rebuilt set-based by `monitoring.services.run_monitoring(as_of)` after a close of
business, from servicing's daily loan snapshots (a quiet loan's row may stand at an earlier date,
its snapshot never does). A date's rows are replaced in one transaction, so running a date twice
writes nothing twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field


class PortfolioDay(models.Model):
    """The book at the end of a business date, per product, customer type, region, grade at
    origination, origination month, delinquency bucket and five-tier class.

    Bucket and class are dimensions rather than columns, so the buckets stay whatever
    `LOANHUB_DELINQUENCY_BUCKETS` says; since the class follows the days past due they add few
    rows. The region is the customer's region when the date was aggregated.
    """

    business_date = models.DateField(_("business date"))
    product = models.CharField(_("product"), max_length=32)
    category = models.CharField(_("category"), max_length=32)
    customer_type = models.CharField(_("customer type"), max_length=20)
    region = models.CharField(_("region"), max_length=64)
    risk_grade = models.CharField(_("risk grade at origination"), max_length=1)
    origination_month = models.DateField(_("origination month"))
    delinquency_bucket = models.CharField(_("delinquency bucket"), max_length=16)
    classification = models.CharField(_("classification"), max_length=16)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding"), default=Decimal("0.00"))
    overdue = money_field(_("overdue amount"), default=Decimal("0.00"))
    reserve = money_field(_("provision"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("portfolio day")
        verbose_name_plural = _("portfolio dashboard")
        constraints = [
            models.UniqueConstraint(
                fields=(
                    "business_date",
                    "product",
                    "category",
                    "customer_type",
                    "region",
                    "risk_grade",
                    "origination_month",
                    "delinquency_bucket",
                    "classification",
                ),
                name="portfolio_day_unique",
            )
        ]
        indexes = [models.Index(fields=("business_date",), name="portfolio_day_date")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.product} {self.delinquency_bucket}"


class RollRate(models.Model):
    """Loans moving from a delinquency bucket at the end of the previous month to a bucket at the
    end of `month` (`closed`: no longer on the book — paid off, closed or written off)."""

    CLOSED = "closed"

    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    from_bucket = models.CharField(_("from bucket"), max_length=16)
    to_bucket = models.CharField(_("to bucket"), max_length=16)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding at the previous month end"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("roll rate")
        verbose_name_plural = _("roll rates")
        constraints = [
            models.UniqueConstraint(fields=("month", "from_bucket", "to_bucket"), name="roll_rate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.from_bucket}→{self.to_bucket}"


class DelinquencyOnset(models.Model):
    """The first business date a loan stood at 30 or more days past due (for vintage curves)."""

    loan_id = models.BigIntegerField(_("loan"), unique=True)
    start_date = models.DateField(_("disbursement date"))
    first_dpd30 = models.DateField(_("first day at 30+ days past due"))

    class Meta:
        verbose_name = _("delinquency onset")
        verbose_name_plural = _("delinquency onsets")

    def __str__(self) -> str:
        return f"{self.loan_id}@{self.first_dpd30}"


class VintagePoint(models.Model):
    """Of the loans disbursed in `origination_month`, how many had been 30+ days past due by
    `months_on_book` months after their disbursement (cumulative), as of `as_of`."""

    as_of = models.DateField(_("as of"))
    origination_month = models.DateField(_("origination month"))
    months_on_book = models.PositiveSmallIntegerField(_("months on book"))
    loans = models.PositiveIntegerField(_("loans disbursed"))
    loans_dpd30 = models.PositiveIntegerField(_("loans ever 30+ days past due"))

    class Meta:
        verbose_name = _("vintage point")
        verbose_name_plural = _("vintage points")
        ordering = ("origination_month", "months_on_book")
        constraints = [
            models.UniqueConstraint(
                fields=("origination_month", "months_on_book"), name="vintage_point_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.origination_month:%Y-%m}+{self.months_on_book}"
