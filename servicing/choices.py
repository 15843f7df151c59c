"""Closed vocabularies of servicing: loan states, ledger account kinds, journal entry kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from products.engine import DayCount
from products.engine import Frequency as Frequency_
from products.engine import Method as Method_


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class EntryKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")


class Method(models.TextChoices):
    """The engine's repayment methods (products.engine.Method), with the glossary's words."""

    ANNUITY = Method_.ANNUITY.value, _("equal installments")
    EQUAL_PRINCIPAL = Method_.EQUAL_PRINCIPAL.value, _("equal principal")
    INTEREST_ONLY = Method_.INTEREST_ONLY.value, _("interest-only, principal at maturity")
    BULLET = Method_.BULLET.value, _("bullet (all at maturity)")


class Frequency(models.TextChoices):
    """The engine's installment frequencies (products.engine.Frequency)."""

    WEEKLY = Frequency_.WEEKLY.value, _("weekly")
    BIWEEKLY = Frequency_.BIWEEKLY.value, _("every two weeks")
    SEMIMONTHLY = Frequency_.SEMIMONTHLY.value, _("twice a month")
    MONTHLY = Frequency_.MONTHLY.value, _("monthly")
    QUARTERLY = Frequency_.QUARTERLY.value, _("quarterly")
    SEMIANNUAL = Frequency_.SEMIANNUAL.value, _("half-yearly")
    ANNUAL = Frequency_.ANNUAL.value, _("yearly")


DAY_COUNT_CHOICES = [(member.value, member.value) for member in DayCount]


class Account:
    """Codes of the chart of accounts (seeded by migration 0002_chart_of_accounts)."""

    LOANS_RECEIVABLE = "1100"
    INTEREST_RECEIVABLE = "1200"
    DISBURSEMENT_CLEARING = "2100"
    FEE_INCOME = "4100"
    INTEREST_INCOME = "4200"


# code, Chinese name, English name, kind: the chart the data migration seeds.
CHART_OF_ACCOUNTS = (
    (Account.LOANS_RECEIVABLE, "贷款应收", "Loans receivable", AccountKind.ASSET),
    (Account.INTEREST_RECEIVABLE, "应收利息", "Interest receivable", AccountKind.ASSET),
    (Account.DISBURSEMENT_CLEARING, "放款清算", "Disbursement clearing", AccountKind.LIABILITY),
    (Account.FEE_INCOME, "手续费收入", "Fee income", AccountKind.INCOME),
    (Account.INTEREST_INCOME, "利息收入", "Interest income", AccountKind.INCOME),
)
