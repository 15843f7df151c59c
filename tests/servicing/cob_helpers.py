"""Helpers of the close-of-business tests: a book of loans, and everything close of business
writes (loans, installments, journal entries with their legs, snapshots, runs) as plain values,
so two histories of the same book can be compared exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from servicing import subledger
from servicing.models import CobRun, JournalEntry, Loan, LoanSnapshot, Posting
from tests.servicing.test_cob_replay import _book, _catch_up, _check_against_replay, _pay, _state

__all__ = (
    "_book",
    "_catch_up",
    "_check_against_replay",
    "_pay",
    "_state",
    "book_state",
    "check_ledger",
    "ledger_balanced",
)

SNAPSHOT_FIELDS = [f.name for f in LoanSnapshot._meta.fields if f.name not in ("id", "loan")] + ["loan_id"]
RUN_FIELDS = ("business_date", "status", "loans", "chunks_total", "chunks_done", "counts", "error")


def _entries() -> list[tuple]:
    legs: dict[int, list[tuple]] = {}
    for entry_id, code, debit, credit in Posting.objects.order_by("pk").values_list(
        "entry_id", "account__code", "debit", "credit"
    ):
        legs.setdefault(entry_id, []).append((code, debit, credit))
    return [
        (key, kind, memo, loan_id, tuple(sorted(legs.get(pk, []))))
        for pk, key, kind, memo, loan_id in JournalEntry.objects.order_by("idempotency_key").values_list(
            "pk", "idempotency_key", "kind", "memo", "loan_id"
        )
    ]


def book_state() -> dict[str, list]:
    """Everything close of business writes, without ids of new rows or timestamps."""
    chunk_fields = ("number", "first_id", "last_id", "done", "loans", "replayed")
    chunks = [
        tuple(run.chunks.order_by("number").values_list(*chunk_fields))
        for run in CobRun.objects.order_by("business_date")
    ]
    snapshots = LoanSnapshot.objects.order_by("business_date", "loan_id").values_list(*SNAPSHOT_FIELDS)
    return {
        "loans": {loan.pk: _state(loan) for loan in Loan.objects.order_by("pk")},
        "entries": _entries(),
        "snapshots": list(snapshots),
        "runs": list(CobRun.objects.order_by("business_date").values_list(*RUN_FIELDS)),
        "chunks": chunks,
    }


def _balances() -> dict[str, tuple[Decimal, Decimal]]:
    """Debits and credits per account, added up here (SQLite sums decimals as floats)."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for code, debit, credit in Posting.objects.values_list("account__code", "debit", "credit"):
        d, c = totals.get(code, (Decimal(0), Decimal(0)))
        totals[code] = (d + debit, c + credit)
    return totals


def ledger_balanced() -> bool:
    totals = _balances().values()
    return sum(d for d, _ in totals) == sum(c for _, c in totals)


def check_ledger() -> None:
    """The ledger balances, and each account holds what the loans' sub-ledgers say."""
    assert ledger_balanced()
    by_account = {code: d - c for code, (d, c) in _balances().items()}
    expected: dict[str, Decimal] = {}
    for loan in Loan.objects.all():
        for code, balance in subledger.balances(loan).items():
            expected[code] = expected.get(code, Decimal(0)) + balance
    for code, balance in expected.items():
        assert by_account.get(code, Decimal(0)) == balance, code


def day(start: dt.date, n: int) -> dt.date:
    return start + dt.timedelta(days=n)
