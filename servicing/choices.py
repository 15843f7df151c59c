"""Closed vocabularies of servicing: loan states, ledger account kinds, journal entry kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# A loan's method, frequency and day count are the catalogue's words (a loan is made from a product).
from products.choices import DayCount, RepaymentMethod
from products.choices import Frequency as Frequency  # re-exported


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


Method = RepaymentMethod
DAY_COUNT_CHOICES = DayCount.choices


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
