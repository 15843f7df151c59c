"""The portfolio dashboard's aggregates (imported by `monitoring.models`): the book by its
business dimensions per date (`PortfolioMix`, a rollup of `PortfolioDay`), the money that left
and came back per day (`PortfolioFlow`), both again by one dimension at a time
(`PortfolioMixByDimension`, `PortfolioFlowByDimension`: a few dozen rows a date, what the
dashboard reads with no filter or one), and each loan's origination channel (`LoanChannel`,
monitoring's copy of what the application says, so the set-based statements can join it).

All are written by `monitoring.portfolio` (`channels_record`, `mix_build`, `flows_build`)
inside `run_monitoring`; a date run twice replaces its rows (the channel of a loan never changes
once recorded). A repayment posted or reversed later with a value date already monitored counts
when the monitored date whose days include it is run again."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_field
from products.choices import Channel, CustomerType

# The dimensions the portfolio dashboard slices and filters by. "Segment" is the customer type
# (individual, sole proprietor, small business): marketing's segments sit above monitoring.
MIX_DIMENSIONS = ("product", "customer_type", "channel", "region", "industry")
# The by-one-dimension rollups' dimensions: "" is the whole book (its value is "" too).
WHOLE_BOOK = ""
ROLLUP_DIMENSIONS = (WHOLE_BOOK, *MIX_DIMENSIONS)
FLOW_MEASURES = (
    "disbursed_loans",
    "disbursed",
    "upfront_fees",
    "repayments",
    "principal",
    "interest",
    "penalty",
    "fees",
    "line_draws",
    "drawn",
    "line_repayments",
    "line_principal",
    "line_interest",
    "line_penalty",
)


class LoanChannel(models.Model):
    """The channel a loan's application came through (web, app, branch, partner, hotline; empty
    when the loan has no application), recorded once per loan from `applications`."""

    loan_id = models.BigIntegerField(_("loan"), unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = _("loan channel")
        verbose_name_plural = _("loan channels")

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.channel}"


class PortfolioMix(models.Model):
    """The book at the end of a business date by product, customer type (segment), channel,
    region and industry only: the rollup of that date's `PortfolioDay` rows that the portfolio
    dashboard's balance, count and mix read (far fewer rows than the full slices)."""

    business_date = models.DateField(_("business date"))
    product = models.CharField(_("product"), max_length=32)
    customer_type = models.CharField(_("customer type"), max_length=20, choices=CustomerType.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    region = models.CharField(_("region"), max_length=64)
    industry = models.CharField(_("industry"), max_length=100)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding"), default=Decimal("0.00"))
    overdue = money_field(_("overdue amount"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("portfolio mix")
        verbose_name_plural = _("portfolio mix, yield and flows")
        constraints = [
            models.UniqueConstraint(fields=("business_date", *MIX_DIMENSIONS), name="portfolio_mix_unique")
        ]
        indexes = [models.Index(fields=("business_date",), name="portfolio_mix_date")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.product} {self.region}"


class FlowMeasures(models.Model):
    """The money of a day that `PortfolioFlow` and its rollup `PortfolioFlowByDimension` hold:
    loans disbursed (their principal and the fees withheld from the proceeds), the posted
    repayments valued on it with their allocation, and the credit lines' draws and repayments."""

    disbursed_loans = models.PositiveIntegerField(_("loans disbursed"), default=0)
    disbursed = money_field(_("principal disbursed"), default=Decimal("0.00"))
    upfront_fees = money_field(_("fees withheld at disbursement"), default=Decimal("0.00"))
    repayments = models.PositiveIntegerField(_("repayments"), default=0)
    principal = money_field(_("principal repaid"), default=Decimal("0.00"))
    interest = money_field(_("interest received"), default=Decimal("0.00"))
    penalty = money_field(_("penalty interest received"), default=Decimal("0.00"))
    fees = money_field(_("fees received"), default=Decimal("0.00"))
    # Revolving credit lines (随借随还): their draws and repayments, by value date, apart from the
    # loans' so the loans' yield stays on the loans' balance.
    line_draws = models.PositiveIntegerField(_("credit line draws"), default=0)
    drawn = money_field(_("drawn on credit lines"), default=Decimal("0.00"))
    line_repayments = models.PositiveIntegerField(_("credit line repayments"), default=0)
    line_principal = money_field(_("credit line principal repaid"), default=Decimal("0.00"))
    line_interest = money_field(_("credit line interest received"), default=Decimal("0.00"))
    line_penalty = money_field(_("credit line penalty interest received"), default=Decimal("0.00"))

    class Meta:
        abstract = True


class PortfolioFlow(FlowMeasures):
    """The money of one day by product, customer type, channel, region and industry: loans
    disbursed on it (their principal and the fees withheld from the proceeds), and the posted
    repayments valued on it with their allocation (principal, interest, penalty interest, fees);
    the credit lines' draws and repayments valued on it (`line_*`, `drawn`). A repayment reversed
    later drops out when its value date is rebuilt."""

    day = models.DateField(_("day"))
    product = models.CharField(_("product"), max_length=32)
    customer_type = models.CharField(_("customer type"), max_length=20, choices=CustomerType.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    region = models.CharField(_("region"), max_length=64)
    industry = models.CharField(_("industry"), max_length=100)

    class Meta:
        verbose_name = _("portfolio flow")
        verbose_name_plural = _("portfolio flows")
        constraints = [models.UniqueConstraint(fields=("day", *MIX_DIMENSIONS), name="portfolio_flow_unique")]
        indexes = [models.Index(fields=("day",), name="portfolio_flow_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.product} {self.region}"


class PortfolioMixByDimension(models.Model):
    """The book at the end of a business date by one of its dimensions: for each value of the
    product, customer type, channel, region and industry (and once for the whole book, dimension
    and value ""), the sum of that date's `PortfolioMix` rows with that value. The dashboard's
    balance over time and filter values, unfiltered or filtered by one dimension, read these."""

    business_date = models.DateField(_("business date"))
    dimension = models.CharField(_("dimension"), max_length=16, blank=True)
    value = models.CharField(_("value"), max_length=100, blank=True)
    loans = models.PositiveIntegerField(_("loans"))
    balance = money_field(_("principal outstanding"), default=Decimal("0.00"))
    overdue = money_field(_("overdue amount"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("portfolio mix by dimension")
        verbose_name_plural = _("portfolio mix by dimension")
        constraints = [
            models.UniqueConstraint(
                fields=("dimension", "value", "business_date"), name="portfolio_mix_dimension_unique"
            )
        ]
        indexes = [models.Index(fields=("business_date",), name="portfolio_mix_dimension_date")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.dimension}={self.value}"


class PortfolioFlowByDimension(FlowMeasures):
    """The money of one day by one of its dimensions: for each value of the product, customer
    type, channel, region and industry (and once for the whole book, dimension and value ""),
    the sum of that day's `PortfolioFlow` rows with that value (the same measures)."""

    day = models.DateField(_("day"))
    dimension = models.CharField(_("dimension"), max_length=16, blank=True)
    value = models.CharField(_("value"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("portfolio flow by dimension")
        verbose_name_plural = _("portfolio flows by dimension")
        constraints = [
            models.UniqueConstraint(
                fields=("dimension", "value", "day"), name="portfolio_flow_dimension_unique"
            )
        ]
        indexes = [models.Index(fields=("day",), name="portfolio_flow_dimension_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value}"
