"""Close of business for one loan by replaying it (`servicing.repayments.loan_refresh`).

The reference definition of a day's close, and the path for the loans the set-based statement
leaves out: a loan behind the business date (catch-up), one holding credit (the credit pays what
falls due), one whose class follows the borrower's other loans, and every loan on a database
without the set-based statement (the embedded SQLite). It is also the per-loan ORM loop the
benchmark measures set-based close of business against.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from servicing.choices import EntryKind, InstallmentStatus, LoanStatus
from servicing.models import Loan, LoanSnapshot
from servicing.position import penalty_of
from servicing.repayments import loan_refresh

ZERO = Decimal("0.00")


def close_loan(loan: Loan, business_date: dt.date) -> bool:
    """Bring a locked, active loan to the day after `business_date` with the day's provision, and
    snapshot it. False (nothing done) when it already stands beyond the date."""
    if loan.status != LoanStatus.ACTIVE or (loan.position_date and loan.position_date > business_date):
        return False
    next_day = business_date + dt.timedelta(days=1)
    loan_refresh(
        loan,
        kind=EntryKind.ACCRUAL,
        memo=f"Close of business {business_date} for {loan.number}",
        locked=True,
        as_of=next_day,
        provision=True,
    )
    snapshot(loan, business_date, overdue_amount=overdue_amount(loan, next_day))
    return True


def overdue_amount(loan: Loan, as_of: dt.date) -> Decimal:
    """Everything unpaid of the installments due before `as_of`, penalty included."""
    total = ZERO
    for row in loan.installments.filter(due_date__lt=as_of).exclude(status=InstallmentStatus.PAID):
        contractual = (
            max(row.principal, ZERO)
            - row.paid_principal
            + row.interest
            - max(-row.principal, ZERO)
            - row.paid_interest
            + row.fees
            - row.paid_fees
        )
        total += max(contractual + penalty_of(row.penalty_basis_on(as_of)) - row.paid_penalty, ZERO)
    return total


def snapshot(loan: Loan, business_date: dt.date, *, overdue_amount: Decimal) -> None:
    LoanSnapshot.objects.bulk_create(
        [
            LoanSnapshot(
                business_date=business_date,
                loan_id=loan.pk,
                days_past_due=loan.days_past_due,
                delinquency_bucket=loan.delinquency_bucket,
                classification=loan.classification,
                ifrs9_stage=loan.ifrs9_stage,
                principal_outstanding=loan.principal_outstanding,
                overdue_amount=overdue_amount,
                provision=loan.sl_reserve,
                interest_due=loan.interest_due,
                penalty_due=loan.penalty_due,
                ecl=loan.ecl,
                non_accrual=loan.non_accrual,
            )
        ],
        ignore_conflicts=True,
    )
