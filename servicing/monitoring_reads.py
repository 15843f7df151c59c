"""Servicing's book as monitoring reads it (monitoring imports them from servicing.selectors)."""

from __future__ import annotations

from django.db.models import QuerySet

from servicing.choices import LoanStatus, RepaymentStatus
from servicing.models import CreditLine, CreditLineTransaction, Loan, LoanInstallment, Repayment
from servicing.models.lines import CreditLineStatus, CreditLineTransactionKind


def repayments_posted() -> QuerySet[Repayment]:
    """Repayments that stand (not reversed): monitoring sums their allocation per value date."""
    return Repayment.objects.filter(status=RepaymentStatus.POSTED).order_by()


def installments_of_active_loans() -> QuerySet[LoanInstallment]:
    """The pinned schedule rows of the loans on the book (monitoring's maturity ladder and rate
    sensitivity read what is still to be paid of them)."""
    return LoanInstallment.objects.filter(loan__status=LoanStatus.ACTIVE).order_by()


def credit_lines_on_book() -> QuerySet[CreditLine]:
    """Credit lines that are not closed (monitoring's utilisation-spike signal reads them)."""
    return CreditLine.objects.exclude(status=CreditLineStatus.CLOSED).order_by()


def account_customer_id(*, loan_id: int | None = None, credit_line_id: int | None = None) -> int | None:
    """The customer who holds the loan or the credit line (monitoring's notices), or None."""
    if loan_id is not None:
        return Loan.objects.filter(pk=loan_id).values_list("customer_id", flat=True).first()
    return CreditLine.objects.filter(pk=credit_line_id).values_list("customer_id", flat=True).first()


def credit_line_transactions() -> QuerySet[CreditLineTransaction]:
    """Every draw and repayment of every credit line (monitoring rebuilds past utilisation)."""
    return CreditLineTransaction.objects.order_by()


def credit_line_draws() -> QuerySet[CreditLineTransaction]:
    """The credit lines' draws (monitoring's portfolio flows sum them per value date)."""
    return CreditLineTransaction.objects.filter(kind=CreditLineTransactionKind.DRAW).order_by()


def credit_line_repayments() -> QuerySet[CreditLineTransaction]:
    """The credit lines' repayments, with their split into principal, interest and penalty."""
    return CreditLineTransaction.objects.filter(kind=CreditLineTransactionKind.REPAYMENT).order_by()
