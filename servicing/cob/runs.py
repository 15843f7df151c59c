"""Close-of-business runs: one per business date, split into chunks of loans by id range.

- `close_through(through)` closes every business date from the open one up to `through`, in
  order (catch-up of missed days). In-process (the embedded default, no broker) it runs the
  chunks itself, date after date. With workers it starts the first date's run and returns or
  waits: each chunk is a task on the `monitoring` queue, the last chunk to finish closes the
  run and starts the next date's, until `through` (so nobody blocks a worker waiting).
- A chunk is one transaction: its loans are locked (a repayment waits for the chunk, or the
  chunk for the repayment), moved to the next day set-based or replayed (`servicing.cob`), the
  day's accrual, penalty and provision changes booked as one journal entry, and the chunk marked
  done. A worker killed mid-chunk rolls the chunk back; a done chunk is never run again; a loan
  already moved past the date is left alone. Running a date twice therefore changes nothing,
  and a failed or interrupted run is resumed by calling `close_through` again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.celery import app as celery_app
from loanhub.celery import enqueue_on_commit
from loanhub.errors import Conflict, Invalid
from loanhub.money import quantize_money
from servicing import hooks, ledger, quiet
from servicing.calendar import last_closed_date, open_business_date
from servicing.choices import NON_PERFORMING_CLASSES, CobStatus, EntryKind, LoanStatus
from servicing.cob import perloan, setbased
from servicing.models import CobChunk, CobRun, Loan, LoanSnapshot
from servicing.rate_resets import rate_resets_run
from servicing.subledger import lines_for

ONE_DAY = dt.timedelta(days=1)
# The loan columns the set-based statement selects a chunk's loans by (analysed when a run is planned).
PLANNED_COLUMNS = ("status", "position_date", "quiet_until", "credit_balance", "worst_loan_classification")
Progress = Callable[[CobRun], None]


def set_based() -> bool:
    """Whether chunks close set-based (PostgreSQL) or by replaying each loan (elsewhere)."""
    return connection.vendor == "postgresql" and settings.LOANHUB_COB_SET_BASED


def _plan_chunks(run: CobRun) -> None:
    size = max(int(settings.LOANHUB_COB_CHUNK_SIZE), 1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The previous date moved every loan's position_date: with the statistics of before,
            # the planner expects no loan at the date and joins the chunk's loans by nested loops
            # over unindexed CTEs, quadratic in the chunk (minutes for 50,000 loans). Only the
            # columns the statement filters the loans by, on a small sample (3,000 rows: their
            # shares are all the planner needs here): 0.1 s, where the whole table's ~100 columns
            # on 30,000 rows took 7 s of a 22 s run of 100,000 loans (benchmarks/bench_cob.py).
            cursor.execute("SET LOCAL default_statistics_target = 10")
            cursor.execute(f"ANALYZE servicing_loan ({', '.join(PLANNED_COLUMNS)})")
            cursor.execute("RESET default_statistics_target")
        # Active loans counted by bucket of ids (`servicing.quiet`), in id order: an index-only
        # scan, where numbering every row (ROW_NUMBER) took 0.37 s at a million loans.
        bits = quiet.bucket_bits()
        cursor.execute(
            f"SELECT id >> {bits} AS b, COUNT(*) FROM servicing_loan WHERE status = %s GROUP BY b ORDER BY b",
            [LoanStatus.ACTIVE],
        )
        ranges = _chunk_ranges(cursor.fetchall(), size, bits)
    CobChunk.objects.bulk_create(
        CobChunk(run=run, number=n, first_id=first, last_id=last, loans=0)
        for n, (first, last) in enumerate(ranges, start=1)
    )
    run.chunks_total = len(ranges)
    run.save(update_fields=["chunks_total"])


def _chunk_ranges(buckets: list[tuple[int, int]], size: int, bits: int) -> list[tuple[int, int]]:
    """Buckets of ids (with their active loans, in order) gathered into chunks of at least `size`
    loans (the last may hold fewer): (first id, last id) each, whole buckets, no two chunks
    sharing one and no gap between them."""
    ranges: list[tuple[int, int]] = []
    start, count = None, 0
    for bucket, n in buckets:
        if start is None:
            start = ranges[-1][1] + 1 if ranges else bucket << bits
        count += n
        if count >= size:
            ranges.append((start, ((bucket + 1) << bits) - 1))
            start, count = None, 0
    if start is not None:
        ranges.append((start, ((buckets[-1][0] + 1) << bits) - 1))
    return ranges


def start_run(business_date: dt.date, through: dt.date, *, dispatch: bool) -> CobRun:
    """The run of a date, created with its chunks if new, resumed if it failed; with `dispatch`
    its pending chunks are sent to the workers when the transaction commits."""
    with transaction.atomic():
        run, created = CobRun.objects.select_for_update().get_or_create(
            business_date=business_date, defaults={"through": through}
        )
        if created:
            _plan_chunks(run)
        elif run.status != CobStatus.DONE:
            run.status = CobStatus.RUNNING
            run.error = ""
            run.through = max(run.through or through, through)
            run.save(update_fields=["status", "error", "through"])
        if dispatch and run.status != CobStatus.DONE:
            from servicing import tasks

            pending = list(run.chunks.filter(done=False).values_list("pk", flat=True))
            for chunk_id in pending:
                enqueue_on_commit(tasks.cob_chunk, chunk_id)
            if not pending:
                enqueue_on_commit(tasks.cob_finish, run.pk)
    return run


def run_chunk(chunk_id: int, *, chain: bool = True) -> bool:
    """Close one chunk (see the module); False when it was done already. Then, if it was the
    run's last, close the run (and with `chain`, start the next date's run on the workers)."""
    with transaction.atomic():
        # The chunk's row only (`of`): locking its run's row too made every chunk wait for the one
        # running, so two workers closed a date no faster than one (benchmarks/bench_cob.py).
        chunk = CobChunk.objects.select_for_update(of=("self",)).select_related("run").get(pk=chunk_id)
        if chunk.done:
            return False
        day = chunk.run.business_date
        if connection.vendor == "postgresql":
            _commit_without_waiting_for_disk()
        in_range = Q(pk__gte=chunk.first_id, pk__lte=chunk.last_id, status=LoanStatus.ACTIVE)
        # The chunk's buckets held: a payment waits for the chunk (or the chunk for it) without
        # the chunk locking every loan's row (`servicing.quiet`). The statement locks the rows it
        # rewrites; the loans replayed one by one are locked here, in id order.
        quiet.lock_chunk(chunk.first_id, chunk.last_id)
        # Floating rates follow the LPR on their reset date, before the day closes on the new
        # schedule (`servicing.rate_resets`; advanced under each loan's lock, so once per date).
        rate_resets_run(business_date=day, first_id=chunk.first_id, last_id=chunk.last_id)
        in_sql = set_based()
        due = Q(position_date__isnull=True) | Q(position_date__lte=day)
        if in_sql:
            behind = Q(position_date__lt=day) & (Q(quiet_until__isnull=True) | Q(quiet_until__lt=day))
            one_by_one = due & (
                Q(position_date__isnull=True)
                | behind
                | Q(credit_balance__gt=0)
                | Q(worst_loan_classification=True)
            )
        else:
            one_by_one = due
        replayed = 0
        for loan in Loan.objects.select_for_update().filter(in_range & one_by_one).order_by("pk"):
            replayed += perloan.close_loan(loan, day)
        moved, sums = 0, {}
        if in_sql:
            moved, sums = setbased.close_chunk(
                business_date=day, first_id=chunk.first_id, last_id=chunk.last_id
            )
        lines = lines_for(sums)
        if lines:
            ledger.post(
                kind=EntryKind.ACCRUAL,
                lines=lines,
                memo=f"Close of business {day}, chunk {chunk.number}: accrual, penalty, provisions",
                idempotency_key=f"cob:{day.isoformat()}:{chunk.number}",
            )
        if settings.LOANHUB_COB_CHUNK_DELAY_SECONDS:
            # Tests only: the chunk's work written, not committed, its loans locked (see settings).
            time.sleep(settings.LOANHUB_COB_CHUNK_DELAY_SECONDS)
        chunk.done = True
        chunk.done_at = clock.now()
        chunk.loans = moved + replayed
        chunk.replayed = replayed
        chunk.attempts += 1
        chunk.counts = _chunk_groups(day, chunk.first_id, chunk.last_id)
        chunk.save(update_fields=["done", "done_at", "loans", "replayed", "attempts", "counts"])
        CobRun.objects.filter(pk=chunk.run_id).update(chunks_done=F("chunks_done") + 1)
    finish_run(chunk.run_id, chain=chain)
    return True


def _commit_without_waiting_for_disk() -> None:
    """The chunk's commit does not wait for its WAL to reach the disk (this transaction only).

    Safe here: a database crash in the moment after the commit loses the whole chunk, never part
    of it (the WAL is replayed in order), so the chunk is simply not done: the run cannot close
    without it, and it is run again, idempotently, when the run is resumed (`close_through`, as
    after any failure of the database). Nothing durable can depend on a lost chunk: a later
    synchronous commit (a payment that waited on the chunk, the run's close) flushes the WAL up
    to itself, the chunk's commit included. What it saves is the wait for one disk flush per
    chunk (see benchmarks/bench_cob.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def _chunk_groups(day: dt.date, first_id: int, last_id: int) -> list[list]:
    """The chunk's snapshots of the date grouped by bucket, class and stage (at most a few dozen
    groups), with their count and sums: each chunk reads its own 50,000 rows in its transaction,
    in parallel with the others, where one scan of the whole date at the run's end took 0.4 s of
    a million-loan close, alone (benchmarks/bench_cob.py)."""
    groups = (
        LoanSnapshot.objects.filter(business_date=day, loan_id__gte=first_id, loan_id__lte=last_id)
        .values_list("delinquency_bucket", "classification", "ifrs9_stage")
        .annotate(
            n=Count("pk"), balance=Sum("principal_outstanding"), provision=Sum("provision"), ecl=Sum("ecl")
        )
        .order_by()
    )
    return [
        [bucket, klass, stage, n, *(str(v or 0) for v in sums)] for bucket, klass, stage, n, *sums in groups
    ]


def _counts(run: CobRun) -> dict:
    """The date's loans by bucket, class and stage, and its totals: the chunks' groups folded
    (every snapshot of the date is written by the chunk whose range holds its loan)."""
    by: dict[str, dict] = {"buckets": {}, "classes": {}, "stages": {}}
    totals = {"balance": Decimal(0), "provision": Decimal(0), "ecl": Decimal(0), "npl": Decimal(0)}
    for first_id, last_id, groups in run.chunks.values_list("first_id", "last_id", "counts"):
        # A chunk done before its counts were kept (migration 0030: a run resumed across the
        # upgrade) has none: read from its snapshots, as it would have kept them.
        for bucket, klass, stage, n, balance, provision, ecl in groups or _chunk_groups(
            run.business_date, first_id, last_id
        ):
            for kind, key in (("buckets", bucket), ("classes", klass), ("stages", str(stage))):
                by[kind][key] = by[kind].get(key, 0) + n
            totals["balance"] += Decimal(balance)
            totals["provision"] += Decimal(provision)
            totals["ecl"] += Decimal(ecl)
            if klass in NON_PERFORMING_CLASSES:
                totals["npl"] += Decimal(balance)
    return {
        **{kind: dict(sorted(counts.items())) for kind, counts in by.items()},
        **{k: str(quantize_money(v)) for k, v in totals.items()},
    }


def finish_run(run_id: int, *, chain: bool = True) -> CobRun | None:
    """Close the run when every chunk is done (once); with `chain`, start the next date's run
    on the workers while the catch-up has dates left. Returns the next run started, if any."""
    with transaction.atomic():
        run = CobRun.objects.select_for_update().get(pk=run_id)
        if run.status == CobStatus.DONE or run.chunks.filter(done=False).exists():
            return None
        run.status = CobStatus.DONE
        run.finished_at = clock.now()
        run.loans = run.chunks.aggregate(n=Sum("loans"))["n"] or 0
        run.counts = _counts(run)
        run.save(update_fields=["status", "finished_at", "loans", "counts"])
        _close_credit_lines(run.business_date)
        hooks.cob_finished(business_date=run.business_date)
        if chain and run.through and run.business_date < run.through:
            return start_run(run.business_date + ONE_DAY, run.through, dispatch=True)
    return None


def _close_credit_lines(business_date: dt.date) -> None:
    """Revolving credit lines close the date too (accrual, statements, overdue minimums): one
    call, apart from the loans' chunks, in the run's closing transaction (see servicing.lines)."""
    from servicing.lines import credit_lines_close_day

    credit_lines_close_day(business_date=business_date)


def fail_run(chunk_id: int, error: str) -> None:
    CobRun.objects.filter(chunks__pk=chunk_id).exclude(status=CobStatus.DONE).update(
        status=CobStatus.FAILED, error=error[:2000]
    )


def check_through(through: dt.date) -> None:
    if through > clock.today() and not settings.LOANHUB_COB_AHEAD_OF_CLOCK:
        raise Invalid(
            {
                "through": [
                    _("Business dates after today (%(today)s) cannot be closed in production.")
                    % {"today": clock.today()}
                ]
            }
        )


def _first_open(start: dt.date | None) -> dt.date:
    """The first date to close: the open business date once a date has been closed; before that,
    the date of a first run left unfinished (failed, or its worker killed), else `start`."""
    if last_closed_date() is not None:
        return open_business_date()
    unfinished = (
        CobRun.objects.exclude(status=CobStatus.DONE)
        .order_by("business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    return unfinished or start or clock.today()


def close_through(
    through: dt.date | None = None,
    *,
    start: dt.date | None = None,
    inline: bool | None = None,
    wait: bool = True,
    progress: Progress | None = None,
    poll: float = 0.5,
) -> list[CobRun]:
    """Close every business date from the open one up to `through` (default today), in order.

    `start`: the first date to close when none has been closed or started yet (default the
    clock's today; a first run left unfinished is resumed instead).
    `inline` (default: when tasks run eagerly, as without a broker) runs the chunks in this
    process; otherwise they go to the workers, and with `wait` this call follows the runs until
    `through` is closed (a run that fails stops it with a Conflict). Returns the runs of the
    dates closed or started.
    """
    through = through or clock.today()
    check_through(through)
    # Inline exactly when tasks run eagerly (no broker; the unit tests' in-process tasks).
    inline = celery_app.conf.task_always_eager if inline is None else inline
    first = _first_open(start)
    runs: list[CobRun] = []
    if first > through:
        return runs
    if inline:
        day = first
        while day <= through:
            run = start_run(day, through, dispatch=False)
            for chunk_id in run.chunks.filter(done=False).order_by("number").values_list("pk", flat=True):
                try:
                    run_chunk(chunk_id, chain=False)
                except Exception as exc:
                    fail_run(chunk_id, repr(exc))
                    raise
            finish_run(run.pk, chain=False)
            run.refresh_from_db()
            runs.append(run)
            if progress:
                progress(run)
            day += ONE_DAY
        return runs
    runs.append(start_run(first, through, dispatch=True))
    if not wait:
        return runs
    return _follow(first, through, progress, poll)


def _follow(first: dt.date, through: dt.date, progress: Progress | None, poll: float) -> list[CobRun]:
    """Report the workers' runs from `first` until `through` is closed, a run fails, or nothing
    moves for LOANHUB_COB_STALL_SECONDS (no worker consumes the `monitoring` queue): the runs go
    on whenever a worker takes them, and running the command again follows or resumes them."""
    reported: set[tuple[int, int, str]] = set()
    last_move = time.monotonic()
    while True:
        # Read before the runs: a run closing between the two reads is then reported as done
        # (read after, the loop could end having shown it running with every chunk done).
        closed = last_closed_date()
        runs = list(
            CobRun.objects.filter(business_date__gte=first, business_date__lte=through).order_by(
                "business_date"
            )
        )
        for run in runs:
            key = (run.pk, run.chunks_done, run.status)
            if key not in reported:
                reported.add(key)
                last_move = time.monotonic()
                if progress:
                    progress(run)
            if run.status == CobStatus.FAILED:
                raise Conflict(
                    _("Close of business for %(date)s failed: %(error)s")
                    % {"date": run.business_date, "error": run.error},
                    state=run.status,
                )
        if closed is not None and closed >= through:
            return runs
        if time.monotonic() - last_move > settings.LOANHUB_COB_STALL_SECONDS:
            raise Conflict(
                _(
                    "No close-of-business chunk has finished for %(seconds)s seconds: is a worker "
                    "consuming the monitoring queue? The run goes on when one does; run the "
                    "command again to follow it."
                )
                % {"seconds": settings.LOANHUB_COB_STALL_SECONDS},
                state=CobStatus.RUNNING,
            )
        time.sleep(poll)
