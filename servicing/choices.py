"""Closed vocabularies of servicing: loan states, ledger account kinds, journal entry kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# A loan's method, frequency and day count are the catalogue's words (a loan is made from a product).
from products.choices import AllocationOrder as AllocationOrder  # re-exported
from products.choices import DayCount, RepaymentMethod
from products.choices import Frequency as Frequency  # re-exported
from products.choices import RateReset as RateReset  # re-exported
from products.choices import RateType as RateType  # re-exported


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    WRITTEN_OFF = "written_off", _("Written off")


class Classification(models.TextChoices):
    """Five-tier loan classification (贷款五级分类), best to worst."""

    PASS = "pass", _("Pass (正常)")
    SPECIAL_MENTION = "special_mention", _("Special mention (关注)")
    SUBSTANDARD = "substandard", _("Substandard (次级)")
    DOUBTFUL = "doubtful", _("Doubtful (可疑)")
    LOSS = "loss", _("Loss (损失)")


# Worst last: a class is "at least" another when its rank is higher or equal.
CLASS_RANK = {value: rank for rank, value in enumerate(Classification.values)}
PERFORMING_CLASSES = (Classification.PASS, Classification.SPECIAL_MENTION)
NON_PERFORMING_CLASSES = (Classification.SUBSTANDARD, Classification.DOUBTFUL, Classification.LOSS)


class InstallmentStatus(models.TextChoices):
    PENDING = "pending", _("Not yet due")
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    PAID = "paid", _("Paid")


class RepaymentStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class RepaymentChannel(models.TextChoices):
    PORTAL = "portal", _("Customer portal")
    BRANCH = "branch", _("Branch")
    TRANSFER = "transfer", _("Bank transfer")
    STATEMENT = "statement", _("Bank statement import")
    API = "api", _("API")
    # Not cash: the arrears a restructuring capitalises, settled by the new principal.
    RESTRUCTURE = "restructure", _("Restructuring (arrears capitalised)")


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class EntryKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")
    REPAYMENT = "repayment", _("Repayment")
    REVERSAL = "reversal", _("Repayment reversal")
    ACCRUAL = "accrual", _("Interest accrual")
    PENALTY = "penalty", _("Penalty interest")
    FEE = "fee", _("Fee charged")
    CAPITALISATION = "capitalisation", _("Interest capitalised")
    CREDIT = "credit", _("Credit applied")
    SUSPENSE = "suspense", _("Interest in suspense")
    PROVISION = "provision", _("Loan-loss provision")
    ADJUSTMENT = "adjustment", _("Recalculation adjustment")
    WRITE_OFF = "write_off", _("Write-off")
    RECOVERY = "recovery", _("Recovery of a written-off loan")
    STATEMENT_SUSPENSE = "statement_suspense", _("Unidentified receipt (statement suspense)")


Method = RepaymentMethod
DAY_COUNT_CHOICES = DayCount.choices


class Account:
    """Codes of the chart of accounts (seeded by the migrations and on post_migrate)."""

    REPAYMENT_CLEARING = "1010"
    LOANS_RECEIVABLE = "1100"
    CREDIT_LINES_RECEIVABLE = "1130"
    INTEREST_RECEIVABLE = "1200"
    PENALTY_RECEIVABLE = "1210"
    FEES_RECEIVABLE = "1220"
    CREDIT_LINE_INTEREST_RECEIVABLE = "1230"
    CREDIT_LINE_PENALTY_RECEIVABLE = "1240"
    LOAN_LOSS_RESERVE = "1290"
    CREDIT_LINE_LOSS_RESERVE = "1291"
    DISBURSEMENT_CLEARING = "2100"
    OVERPAYMENT = "2200"
    UNIDENTIFIED_RECEIPTS = "2400"
    INTEREST_IN_SUSPENSE = "2310"
    PENALTY_IN_SUSPENSE = "2320"
    CREDIT_LINE_INTEREST_IN_SUSPENSE = "2311"
    CREDIT_LINE_PENALTY_IN_SUSPENSE = "2321"
    FEE_INCOME = "4100"
    INTEREST_INCOME = "4200"
    PENALTY_INCOME = "4300"
    RECOVERY_INCOME = "4400"
    PROVISION_EXPENSE = "5100"


# code, Chinese name, English name, kind: the chart the data migration seeds.
CHART_OF_ACCOUNTS = (
    (
        Account.REPAYMENT_CLEARING,
        "还款清算（银行存款）",
        "Repayment clearing (cash at bank)",
        AccountKind.ASSET,
    ),
    (Account.LOANS_RECEIVABLE, "贷款应收", "Loans receivable", AccountKind.ASSET),
    (Account.INTEREST_RECEIVABLE, "应收利息", "Interest receivable", AccountKind.ASSET),
    (Account.PENALTY_RECEIVABLE, "应收罚息", "Penalty interest receivable", AccountKind.ASSET),
    (Account.FEES_RECEIVABLE, "应收手续费", "Fees receivable", AccountKind.ASSET),
    (Account.CREDIT_LINES_RECEIVABLE, "循环额度贷款应收", "Credit lines receivable", AccountKind.ASSET),
    (
        Account.CREDIT_LINE_INTEREST_RECEIVABLE,
        "循环额度应收利息",
        "Credit line interest receivable",
        AccountKind.ASSET,
    ),
    (
        Account.CREDIT_LINE_PENALTY_RECEIVABLE,
        "循环额度应收罚息",
        "Credit line penalty interest receivable",
        AccountKind.ASSET,
    ),
    (Account.LOAN_LOSS_RESERVE, "贷款损失准备", "Loan-loss reserve", AccountKind.ASSET),
    (Account.CREDIT_LINE_LOSS_RESERVE, "循环额度贷款损失准备", "Credit line loss reserve", AccountKind.ASSET),
    (Account.DISBURSEMENT_CLEARING, "放款清算", "Disbursement clearing", AccountKind.LIABILITY),
    (Account.OVERPAYMENT, "客户溢缴款", "Overpayment liability", AccountKind.LIABILITY),
    (Account.INTEREST_IN_SUSPENSE, "应收未收利息挂账", "Interest in suspense", AccountKind.LIABILITY),
    (Account.PENALTY_IN_SUSPENSE, "应收未收罚息挂账", "Penalty interest in suspense", AccountKind.LIABILITY),
    (
        Account.CREDIT_LINE_INTEREST_IN_SUSPENSE,
        "循环额度应收未收利息挂账",
        "Credit line interest in suspense",
        AccountKind.LIABILITY,
    ),
    (
        Account.CREDIT_LINE_PENALTY_IN_SUSPENSE,
        "循环额度应收未收罚息挂账",
        "Credit line penalty interest in suspense",
        AccountKind.LIABILITY,
    ),
    (
        Account.UNIDENTIFIED_RECEIPTS,
        "待查明来款（银行流水挂账）",
        "Unidentified receipts (statement suspense)",
        AccountKind.LIABILITY,
    ),
    (Account.FEE_INCOME, "手续费收入", "Fee income", AccountKind.INCOME),
    (Account.INTEREST_INCOME, "利息收入", "Interest income", AccountKind.INCOME),
    (Account.PENALTY_INCOME, "罚息收入", "Penalty interest income", AccountKind.INCOME),
    (Account.RECOVERY_INCOME, "已核销贷款收回", "Recoveries of written-off loans", AccountKind.INCOME),
    (Account.PROVISION_EXPENSE, "资产减值损失（贷款）", "Loan-loss provision expense", AccountKind.EXPENSE),
)


class CobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ChangeStatus(models.TextChoices):
    """A maker-checker request: pending until a second person approves or rejects it."""

    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ScheduleChangeKind(models.TextChoices):
    PREPAYMENT = "prepayment", _("Partial prepayment")
    PAYOFF = "payoff", _("Full payoff")
    DEFERRAL = "deferral", _("Deferral")
    RESTRUCTURE = "restructure", _("Restructuring")
    WRITE_OFF = "write_off", _("Write-off")
    RATE_RESET = "rate_reset", _("Floating rate reset")


class PrepaymentFeeKind(models.TextChoices):
    """How a loan's prepayment fee is charged (pinned on the loan's `prepayment_terms`)."""

    NONE = "none", _("No fee")
    FLAT = "flat", _("Flat amount")
    # xgettext:no-python-format
    PERCENT = "percent", _("% of the principal prepaid")
    # xgettext:no-python-format
    PERCENT_LOCK_IN = "percent_lock_in", _("% of the principal prepaid within the lock-in period")


class PrepaymentModes(models.TextChoices):
    """Which prepayment modes a loan allows (both: the customer chooses)."""

    BOTH = "both", _("Customer's choice")
    REDUCE_INSTALLMENT = "reduce_installment", _("Reduce the installment")
    SHORTEN_TERM = "shorten_term", _("Shorten the term")


class StatementLineStatus(models.TextChoices):
    """What became of one line of an imported bank statement."""

    POSTED = "posted", _("Posted")
    DUPLICATE = "duplicate", _("Duplicate (already imported)")
    SUSPENSE = "suspense", _("In suspense (to resolve)")
    ERROR = "error", _("Error (not imported)")
    RESOLVED = "resolved", _("Resolved by an officer")


class StatementResolution(models.TextChoices):
    """How an officer resolved a line in suspense."""

    ASSIGNED = "assigned", _("Assigned to a loan")
    RETURNED = "returned", _("Returned to the payer")
