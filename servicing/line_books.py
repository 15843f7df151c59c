"""A credit line's books: what the ledger holds as earned and reserved for a line, brought to the
line's replayed position by posting only the differences through `servicing.ledger.post`.

* Interest (Dr credit line interest receivable 1230 / Cr interest income 4200): the charged
  interest plus the accrued interest rounded once.
* Penalty interest (罚息, Dr credit line penalty receivable 1240 / Cr penalty income 4300): the
  penalty charged to date, rounded once from its exact basis (`products.engine.revolving`), so
  the penalty booked over N days on an unchanged overdue amount is amount × rate × N / 365
  rounded once, however often close of business ran in between.
* Provisions (Dr provision expense 5100 / Cr credit line loss reserve 1291): the line's class's
  rate (`servicing.rules.provision`, general + specific, as for loans) on its drawn principal.
* Non-accrual (servicing.rules.non_accrual: from 90 days past due, as for loans): the unpaid
  interest (due and accrued) and unpaid penalty booked as income are held in suspense (Dr
  interest / penalty income 4200 / 4300, Cr credit line interest / penalty in suspense 2311 /
  2321); what is paid, or everything once the line is back under 90 days, is released to income.

The lines keep their own receivable, reserve and suspense accounts (1130, 1230, 1240, 1291,
2311, 2321), so the loans'
accounts stay exactly what the loans' sub-ledgers say (`servicing.subledger`); income and
expense accounts are shared with the loans. Call with the line locked, inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from products import engine
from servicing import ledger
from servicing.choices import Account, EntryKind
from servicing.models import CreditLine

ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)

# booked field on the line: (entry kind, account debited for an increase, account credited, memo)
FLOWS = (
    ("interest_booked", EntryKind.ACCRUAL, Account.CREDIT_LINE_INTEREST_RECEIVABLE, Account.INTEREST_INCOME),
    ("penalty_charged", EntryKind.PENALTY, Account.CREDIT_LINE_PENALTY_RECEIVABLE, Account.PENALTY_INCOME),
    ("reserve", EntryKind.PROVISION, Account.PROVISION_EXPENSE, Account.CREDIT_LINE_LOSS_RESERVE),
    (
        "suspense_interest",
        EntryKind.SUSPENSE,
        Account.INTEREST_INCOME,
        Account.CREDIT_LINE_INTEREST_IN_SUSPENSE,
    ),
    (
        "suspense_penalty",
        EntryKind.SUSPENSE,
        Account.PENALTY_INCOME,
        Account.CREDIT_LINE_PENALTY_IN_SUSPENSE,
    ),
)
MEMOS = {
    "interest_booked": "Interest",
    "penalty_charged": "Penalty interest",
    "reserve": "Loan-loss provision",
    "suspense_interest": "Interest in suspense",
    "suspense_penalty": "Penalty interest in suspense",
}


def earned_interest(state: engine.RevolvingState) -> Decimal:
    """Interest earned to the state's date: paid, due, and accrued (rounded once)."""
    paid = sum((a.interest for a in state.allocations), ZERO)
    return paid + state.interest_due + state.accrued_interest


def book(line: CreditLine, targets: dict[str, Decimal], *, through: dt.date, actor) -> None:
    """Post what separates the line's booked totals from `targets` (one entry per flow that
    moved) and set them on the line; the caller saves it."""
    for field, kind, debit, credit in FLOWS:
        delta = targets[field] - getattr(line, field)
        if not delta:
            continue
        legs = [(debit, delta, ZERO), (credit, ZERO, delta)]
        if delta < 0:
            legs = [(credit, -delta, ZERO), (debit, ZERO, -delta)]
        line.ledger_version += 1
        ledger.post(
            kind=kind,
            lines=legs,
            memo=f"{MEMOS[field]} of credit line {line.number} through {through}",
            idempotency_key=f"creditline:{line.pk}:v{line.ledger_version}",
            actor=actor,
        )
        setattr(line, field, targets[field])


def repayment_legs(
    amount: Decimal, *, penalty: Decimal, interest: Decimal, principal: Decimal
) -> list[tuple[str, Decimal, Decimal]]:
    """A repayment's entry: cash in, and what it paid (penalty, interest, principal) out."""
    legs = [(Account.REPAYMENT_CLEARING, amount, ZERO)]
    if penalty:
        legs.append((Account.CREDIT_LINE_PENALTY_RECEIVABLE, ZERO, penalty))
    if interest:
        legs.append((Account.CREDIT_LINE_INTEREST_RECEIVABLE, ZERO, interest))
    if principal:
        legs.append((Account.CREDIT_LINES_RECEIVABLE, ZERO, principal))
    return legs
