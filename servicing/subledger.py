"""A loan's sub-ledger: the running totals (`Loan.sl_*`) of every flow booked for it, and the one
way to bring them to a new position — post the differences through `servicing.ledger.post`.

Flows and the accounts an increase moves (Dr / Cr):

- cash: a payment received — repayment clearing / overpayment (then the paid_* flows take it);
- paid_principal, paid_interest, paid_penalty, paid_fees: what the money paid — overpayment /
  loans, interest, penalty or fees receivable;
- interest_earned, penalty_earned: daily accrual — the receivable / interest or penalty income;
- fees_charged: an installment's fees fall due — fees receivable / fee income;
- capitalised: a capitalised grace row falls due — loans receivable / interest receivable;
- suspense_interest, suspense_penalty: a non-accrual loan's unpaid interest and penalty —
  interest or penalty income / interest or penalty in suspense;
- reserve: the provision changes — provision expense / loan-loss reserve;
- restructured: a restructuring's capitalised arrears, settled by the new principal (not cash) —
  loans receivable / overpayment (then the paid_* flows take it, as they take cash).

A written-off loan's accounts are closed by the write-off entry (`servicing.write_offs`): its
balances are nil and its totals no longer move.

Cash lands in the overpayment account and leaves it for what it pays, so the account's balance
is the credit held. The loan's account balances follow from the totals (`balances`); summed over
loans they are the general ledger's balances of those accounts (tests keep it so). Close of
business moves the same totals set-based and books their sums in one entry per day.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from servicing import ledger, quiet
from servicing.choices import Account, EntryKind, LoanStatus
from servicing.models import JournalEntry, Loan

ZERO = Decimal("0.00")

PAYMENT_FLOWS = ("cash", "paid_principal", "paid_interest", "paid_penalty", "paid_fees", "restructured")
ACCRUAL_FLOWS = (
    "interest_earned",
    "penalty_earned",
    "fees_charged",
    "capitalised",
    "suspense_interest",
    "suspense_penalty",
    "reserve",
)
FLOWS = PAYMENT_FLOWS + ACCRUAL_FLOWS

# flow: (account debited, account credited) for an increase.
PAIRS = {
    "cash": (Account.REPAYMENT_CLEARING, Account.OVERPAYMENT),
    "paid_principal": (Account.OVERPAYMENT, Account.LOANS_RECEIVABLE),
    "paid_interest": (Account.OVERPAYMENT, Account.INTEREST_RECEIVABLE),
    "paid_penalty": (Account.OVERPAYMENT, Account.PENALTY_RECEIVABLE),
    "paid_fees": (Account.OVERPAYMENT, Account.FEES_RECEIVABLE),
    "interest_earned": (Account.INTEREST_RECEIVABLE, Account.INTEREST_INCOME),
    "penalty_earned": (Account.PENALTY_RECEIVABLE, Account.PENALTY_INCOME),
    "fees_charged": (Account.FEES_RECEIVABLE, Account.FEE_INCOME),
    "capitalised": (Account.LOANS_RECEIVABLE, Account.INTEREST_RECEIVABLE),
    "suspense_interest": (Account.INTEREST_INCOME, Account.INTEREST_IN_SUSPENSE),
    "suspense_penalty": (Account.PENALTY_INCOME, Account.PENALTY_IN_SUSPENSE),
    "reserve": (Account.PROVISION_EXPENSE, Account.LOAN_LOSS_RESERVE),
    "restructured": (Account.LOANS_RECEIVABLE, Account.OVERPAYMENT),
}

LOAN_ACCOUNTS = (
    Account.LOANS_RECEIVABLE,
    Account.INTEREST_RECEIVABLE,
    Account.PENALTY_RECEIVABLE,
    Account.FEES_RECEIVABLE,
    Account.OVERPAYMENT,
    Account.INTEREST_IN_SUSPENSE,
    Account.PENALTY_IN_SUSPENSE,
    Account.LOAN_LOSS_RESERVE,
)


def booked(loan: Loan) -> dict[str, Decimal]:
    return {flow: getattr(loan, f"sl_{flow}") for flow in FLOWS}


def balances(loan: Loan, totals: dict[str, Decimal] | None = None) -> dict[str, Decimal]:
    """The loan's balance (debit − credit) in each loan account, from its booked totals; the
    disbursement entry's receivable (the principal) included; nil once written off."""
    if totals is None and loan.status == LoanStatus.WRITTEN_OFF:
        return dict.fromkeys(LOAN_ACCOUNTS, ZERO)
    if totals is None:
        # A quiet loan's interest as the ledger holds it (close of business books it for the
        # chunk without rewriting the loan: see `servicing.quiet`).
        t = {**booked(loan), "interest_earned": quiet.earned_interest(loan)}
    else:
        t = totals
    paid = t["paid_principal"] + t["paid_interest"] + t["paid_penalty"] + t["paid_fees"]
    return {
        Account.LOANS_RECEIVABLE: loan.principal + t["capitalised"] + t["restructured"] - t["paid_principal"],
        Account.INTEREST_RECEIVABLE: t["interest_earned"] - t["capitalised"] - t["paid_interest"],
        Account.PENALTY_RECEIVABLE: t["penalty_earned"] - t["paid_penalty"],
        Account.FEES_RECEIVABLE: t["fees_charged"] - t["paid_fees"],
        Account.OVERPAYMENT: -(t["cash"] + t["restructured"] - paid),
        Account.INTEREST_IN_SUSPENSE: -t["suspense_interest"],
        Account.PENALTY_IN_SUSPENSE: -t["suspense_penalty"],
        Account.LOAN_LOSS_RESERVE: -t["reserve"],
    }


def lines_for(deltas: dict[str, Decimal]) -> list[tuple[str, Decimal, Decimal]]:
    """Journal lines (account, debit, credit), netted per account, for changes of the totals."""
    net: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for flow, amount in deltas.items():
        if amount:
            debit, credit = PAIRS[flow]
            net[debit] += amount
            net[credit] -= amount
    return [
        (code, amount if amount > 0 else ZERO, -amount if amount < 0 else ZERO)
        for code, amount in sorted(net.items())
        if amount
    ]


def sync(loan: Loan, totals: dict[str, Decimal], *, kind: str, memo: str, actor=None) -> list[JournalEntry]:
    """Post what separates the loan's booked totals from `totals` and book them on the loan.

    Call with the loan row locked (`select_for_update`) inside the caller's transaction. Up to
    two entries: the payment flows as `kind`, the accrual flows (a backdated payment's or a
    reversal's recalculation, or the day's accrual) as an adjustment. The caller saves the loan.
    """
    before = booked(loan)
    deltas = {flow: totals[flow] - before[flow] for flow in FLOWS}
    entries = []
    for flows, entry_kind in ((PAYMENT_FLOWS, kind), (ACCRUAL_FLOWS, EntryKind.ADJUSTMENT)):
        lines = lines_for({f: deltas[f] for f in flows})
        if not lines:
            continue
        loan.sl_version += 1
        entries.append(
            ledger.post(
                kind=entry_kind,
                lines=lines,
                memo=memo[:255],
                idempotency_key=f"loan:{loan.pk}:v{loan.sl_version}",
                loan=loan,
                actor=actor,
            )
        )
    for flow in FLOWS:
        setattr(loan, f"sl_{flow}", totals[flow])
    return entries
