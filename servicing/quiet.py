"""Quiet days: close of business does not rewrite a loan on a day when nothing happens to it.

Most loans on most days are quiet: performing (no days past due, class pass, IFRS 9 stage 1,
accruing), nothing due or overdue, no credit, and no installment falling due the next day. For
such a loan the day changes one stored figure, the interest earned (the running period's interest
pro rata by days), and close of business books that for all the quiet loans of a chunk in its one
journal entry without touching their rows; it still writes each loan's snapshot for the day.

So a quiet loan's stored position (`position_date` P) holds unchanged through `quiet_until` Q (the
day before its accrual period ends, when an installment falls due) except for the interest
earned, which for a date X in [P, Q] is the stored figure plus the period's accrual from P to X
(`accrued`). The ledger has booked it through the loan's *effective date*: the open business date,
or the next day once the loan's chunk of the running close is done (`effective_date`).

Every servicing write brings the loan to its effective date first (`catch_up`: the accrual the
ledger already holds is written on the loan, nothing is posted), under `lock_loan`: a shared
advisory lock on the loan's bucket of ids, then the row. A close-of-business chunk holds its
buckets exclusively (`lock_chunk`), and chunks are planned on bucket boundaries, so a payment waits
for the chunk of its loan (or the chunk for the payment) without the chunk locking every row.
`quiet_until` is set where a position is written (`quiet_until_for`; the set-based statement
applies the same rule in SQL) and tests compare both with the replay day by day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import connection

from loanhub.transitions import lock
from servicing.calendar import open_business_date
from servicing.choices import Classification, LoanStatus
from servicing.models import CobChunk, Loan, LoanCollateral
from servicing.position import cents

ONE_DAY = dt.timedelta(days=1)
# Loans' ids in buckets of 2**n: n from the chunk size (a bucket at most a quarter of a chunk, and
# at most 4,096 ids), so every process of one deployment, reading the same settings, agrees.
MAX_BUCKET_BITS = 12
# The advisory-lock namespace (the first key of the two-key form).
LOCK_SPACE = 0x10A4


def bucket_bits() -> int:
    """log2 of a bucket's size in ids: 12 (4,096) for chunks of 16,384 loans or more."""
    size = max(int(settings.LOANHUB_COB_CHUNK_SIZE), 1)
    return min(max(size.bit_length() - 3, 0), MAX_BUCKET_BITS)


def lock_chunk(first_id: int, last_id: int) -> None:
    """A close-of-business chunk's exclusive hold on its buckets (until its transaction ends)."""
    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, b::int) FROM generate_series(%s::bigint, %s::bigint) b",
            [LOCK_SPACE, first_id >> bucket_bits(), last_id >> bucket_bits()],
        )


def lock_loan(loan: Loan | int) -> Loan:
    """The loan re-read under its row lock, after a shared hold on its bucket (see the module),
    and brought to its effective date. Every servicing write locks loans through here."""
    pk = loan if isinstance(loan, int) else loan.pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [LOCK_SPACE, pk >> bucket_bits()])
    return catch_up(lock(pk, model=Loan))


def accrued(loan: Loan, day: dt.date) -> Decimal:
    """The running period's interest earned from its start to the start of `day` (half-up), as
    `Position.interest_accrued` counts it and the set-based statement does."""
    start, end = loan.accrual_start, loan.accrual_end
    if end is None or start is None:
        return Decimal("0.00")
    if day >= end:
        return loan.accrual_interest
    return cents(loan.accrual_interest * (day - start).days / (end - start).days)


def effective_date(loan: Loan) -> dt.date:
    """The date through which the ledger holds the loan's accrual (see the module)."""
    day = open_business_date()
    done = CobChunk.objects.filter(
        run__business_date=day, done=True, first_id__lte=loan.pk, last_id__gte=loan.pk
    ).exists()
    return day + ONE_DAY if done else day


def lag(loan: Loan) -> dt.date | None:
    """The date a quiet loan's stored position stands behind (its effective date), or None."""
    if loan.quiet_until is None or loan.position_date is None or loan.status != LoanStatus.ACTIVE:
        return None
    target = min(effective_date(loan), loan.quiet_until)
    return target if target > loan.position_date else None


def standing_date(loan: Loan) -> dt.date | None:
    """The date the loan's position stands at once caught up (its `position_date` unless quiet)."""
    return lag(loan) or loan.position_date


def earned_interest(loan: Loan) -> Decimal:
    """The loan's interest earned as the ledger holds it (the stored figure of a quiet loan that
    close of business has not rewritten, plus the accrual since)."""
    target = lag(loan)
    if target is None:
        return loan.sl_interest_earned
    return loan.sl_interest_earned - accrued(loan, loan.position_date) + accrued(loan, target)


def catch_up(loan: Loan) -> Loan:
    """Write the accrual the ledger already holds on a locked quiet loan and move it to that date
    (nothing is posted)."""
    target = lag(loan)
    if target is not None:
        loan.sl_interest_earned = earned_interest(loan)
        loan.position_date = target
        loan.save(update_fields=["sl_interest_earned", "position_date"])
    return loan


def quiet_until_for(
    loan: Loan, *, as_of: dt.date, dpd: int, classification: str, stage: int, pending: bool
) -> dt.date | None:
    """The last date a position written as of `as_of` holds (but for the accrual), or None when
    the next close of business must rewrite it: the day before the accrual period ends, for an
    active, performing, accruing loan with nothing due or overdue (`pending`: an installment due,
    overdue or with a grace basis to clear), no credit and no class taken from other loans."""
    quiet = (
        loan.status == LoanStatus.ACTIVE
        and dpd == 0
        and classification == Classification.PASS
        and stage == 1
        and not loan.non_accrual
        and loan.credit_balance == 0
        and not loan.worst_loan_classification
        and not pending
        and loan.accrual_end is not None
        # a secured loan's ECL follows its collateral's valuations and haircuts: rewritten daily
        and not LoanCollateral.objects.filter(loan_id=loan.pk).exists()
    )
    if not quiet:
        return None
    last = loan.accrual_end - ONE_DAY
    if last < as_of or as_of < effective_date(loan):
        # A position written for a past date (a loan opened backdated, a check replaying an
        # older day): the ledger lacks the days since, so the next close replays the loan.
        return None
    return last
