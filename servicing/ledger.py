"""The one way money enters the ledger: `post()`, which writes a balanced journal entry.

Every leg of an entry is created here, in one transaction, after checking that the debits equal
the credits and that each leg is a positive amount in cents on exactly one side. An entry carries
a unique idempotency key: posting the same business event again returns the first entry, so a
retried task or a double click never books money twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction

from loanhub.money import is_cents, quantize_money
from servicing.models import JournalEntry, LedgerAccount, Loan, Posting

__all__ = ("IdempotencyConflict", "InvalidPosting", "LedgerError", "UnbalancedEntry", "post")

ZERO = Decimal("0.00")


class LedgerError(Exception):
    """An entry the ledger refuses to write."""


class UnbalancedEntry(LedgerError):
    """Total debits differ from total credits, or the entry moves no money."""


class InvalidPosting(LedgerError):
    """A leg is malformed: unknown account, float or sub-cent amount, negative, or two-sided."""


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different entry."""


def _amount(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidPosting(f"{where}: amounts must be Decimal or int, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise InvalidPosting(f"{where}: {amount} is not a non-negative amount")
    if not is_cents(amount):
        raise InvalidPosting(f"{where}: {amount} has sub-cent digits")
    return quantize_money(amount)


def _validated(lines: Sequence[tuple[str, Decimal, Decimal]]) -> list[tuple[str, Decimal, Decimal]]:
    if not lines:
        raise UnbalancedEntry("an entry needs at least one debit and one credit")
    out = []
    for index, line in enumerate(lines):
        code, debit, credit = line
        where = f"line {index + 1} ({code})"
        debit, credit = _amount(debit, where), _amount(credit, where)
        if (debit > 0) == (credit > 0):
            raise InvalidPosting(f"{where}: exactly one of debit and credit must be positive")
        out.append((str(code), debit, credit))
    debits = sum((d for _, d, _ in out), ZERO)
    credits = sum((c for _, _, c in out), ZERO)
    if debits != credits:
        raise UnbalancedEntry(f"debits {debits} differ from credits {credits}")
    return out


def _same(entry: JournalEntry, *, kind: str, loan: Loan | None, lines: list) -> bool:
    stored = sorted(entry.postings.values_list("account__code", "debit", "credit"))
    return entry.kind == kind and entry.loan_id == (loan.pk if loan else None) and stored == sorted(lines)


def post(
    *,
    kind: str,
    lines: Sequence[tuple[str, Decimal, Decimal]],
    memo: str,
    idempotency_key: str,
    loan: Loan | None = None,
    actor=None,
) -> JournalEntry:
    """Write a balanced entry of (account_code, debit, credit) lines, or return the earlier one.

    Raises UnbalancedEntry unless total debits == total credits > 0, InvalidPosting for a bad
    line, and IdempotencyConflict when the key was used for an entry with other lines.
    Runs in its own transaction (a savepoint when the caller has one open).
    """
    legs = _validated(lines)
    if not idempotency_key:
        raise InvalidPosting("an idempotency key is required")
    codes = {code for code, _, _ in legs}
    accounts = LedgerAccount.objects.in_bulk(codes, field_name="code")
    unknown = sorted(codes - accounts.keys())
    if unknown:
        raise InvalidPosting(f"unknown accounts: {', '.join(unknown)}")
    posted_by = actor if getattr(actor, "is_authenticated", False) else None

    with transaction.atomic():
        try:
            # A savepoint of its own: a concurrent twin that committed the key first turns our
            # insert into an IntegrityError without spoiling the caller's transaction.
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    kind=kind, memo=memo, idempotency_key=idempotency_key, loan=loan, posted_by=posted_by
                )
        except IntegrityError:
            entry = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
            if entry is None:
                raise
            if not _same(entry, kind=kind, loan=loan, lines=legs):
                raise IdempotencyConflict(
                    f"idempotency key {idempotency_key!r} belongs to entry {entry} with other lines"
                ) from None
            return entry
        Posting.objects.bulk_create(
            Posting(entry=entry, account=accounts[code], debit=debit, credit=credit)
            for code, debit, credit in legs
        )
    return entry


def ensure_chart_of_accounts(*, using: str = "default") -> int:
    """Create the standard accounts that are missing (existing ones are left as they are)."""
    from servicing.choices import CHART_OF_ACCOUNTS

    have = set(LedgerAccount.objects.using(using).values_list("code", flat=True))
    missing = [
        LedgerAccount(code=code, name_zh=name_zh, name_en=name_en, kind=kind)
        for code, name_zh, name_en, kind in CHART_OF_ACCOUNTS
        if code not in have
    ]
    LedgerAccount.objects.using(using).bulk_create(missing)
    return len(missing)
