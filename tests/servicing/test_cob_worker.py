"""Close of business on real workers: PostgreSQL, Redis and `celery worker -Q monitoring` processes.

The command starts the first date's run; its chunks travel through Redis to the worker, the last
chunk of each date closes the run and starts the next date's, and the command follows them,
printing progress. A worker killed (SIGKILL) inside a chunk leaves nothing of it; a new worker
and the command again finish the run, each date closed once and each chunk booked once.

The worker reads LOANHUB_COB_CHUNK_SIZE and, for the kill, LOANHUB_COB_CHUNK_DELAY_SECONDS (a chunk
waits with its work written but not committed) from its environment.
"""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from servicing import cob, quiet
from servicing.choices import CobStatus
from servicing.models import CobChunk, CobRun, JournalEntry, Loan, LoanSnapshot
from tests.loanhub.test_worker_integration import _wait_for
from tests.servicing.cob_helpers import _check_against_replay, book_state, check_ledger
from tests.servicing.conftest import COB_LOANS

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("close_business_day", *args, stdout=out)
    return out.getvalue()


def _check_closed(start: dt.date, through: dt.date, loans) -> None:
    """Every date closed once, all its chunks once, a snapshot per loan and date, the loans at
    the day after `through` as their replay, the ledger balanced and equal to the sub-ledgers."""
    days = (through - start).days + 1
    runs = list(
        CobRun.objects.order_by("business_date").values_list("business_date", "status", "chunks_done")
    )
    assert list(runs) == [(start + dt.timedelta(days=n), CobStatus.DONE, 3) for n in range(days)]
    assert set(CobChunk.objects.values_list("done", "attempts")) == {(True, 1)}  # each booked once
    assert sorted(CobChunk.objects.values_list("loans", flat=True)) == sorted([2, 2, 1] * days)
    assert LoanSnapshot.objects.count() == COB_LOANS * days
    assert {quiet.standing_date(loan) for loan in Loan.objects.all()} == {through + dt.timedelta(days=1)}
    cob_entries = JournalEntry.objects.filter(idempotency_key__startswith="cob:")
    keys = list(cob_entries.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    assert {key.rsplit(":", 1)[0] for key in keys} <= {
        f"cob:{start + dt.timedelta(days=n)}" for n in range(days)
    }
    _check_against_replay(loans)
    check_ledger()


def test_the_command_follows_the_chunks_closed_by_a_worker_date_after_date(cob_workers, cob_book):
    start, loans = cob_book
    through = start + dt.timedelta(days=2)
    worker = cob_workers()

    output = _command("--from", start.isoformat(), "--through", through.isoformat())

    lines = output.splitlines()
    for n in range(3):
        day = start + dt.timedelta(days=n)
        prefix = f"{day} done: 3/3 chunks, {COB_LOANS} loans in "
        assert any(line.startswith(prefix) for line in lines), output
    assert lines[-1].startswith("Closed 3 business date(s) in "), output

    # The chunks ran on the worker (none in this process), the dates chained by their last chunk.
    # The last chunk commits the date's close before its task returns and the worker logs it: the
    # command may be back first (on a slow machine CI read 8 of the 9 lines).
    def succeeded() -> list[str]:
        lines = worker.log.read_text().splitlines()
        return [line for line in lines if "tasks.cob_chunk" in line and "succeeded" in line]

    _wait_for(lambda: len(succeeded()) >= 9, 30, "the nine chunks' tasks to succeed", worker.log)
    time.sleep(0.5)  # none more: no chunk ran twice
    assert len(succeeded()) == 9
    _check_closed(start, through, loans)


def _inside_a_chunk() -> bool:
    """Another session of the test database has been idle in a transaction for a second: the
    chunk's work is written and it waits (the delay) before committing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
            " AND state_change < now() - interval '1 second'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_inside_a_chunk_leaves_nothing_of_it_and_a_new_worker_finishes(cob_workers, cob_book):
    start, loans = cob_book
    through = start + dt.timedelta(days=1)
    before = book_state()
    slow = cob_workers(LOANHUB_COB_CHUNK_DELAY_SECONDS="60")
    [run] = cob.close_through(through, start=start, wait=False)
    assert run.business_date == start

    _wait_for(_inside_a_chunk, 60, "the worker inside a chunk", slow.log)
    slow.kill()
    deadline = time.monotonic() + 10
    while _inside_a_chunk() and time.monotonic() < deadline:  # the server ends the dead session
        time.sleep(0.2)

    # Nothing of the chunk: not done, no entry, no snapshot, the loans as they were.
    run.refresh_from_db()
    assert run.status == CobStatus.RUNNING
    assert run.chunks_done == 0
    assert not CobChunk.objects.filter(done=True).exists()
    assert not JournalEntry.objects.filter(idempotency_key__startswith="cob:").exists()
    assert not LoanSnapshot.objects.exists()
    assert book_state()["loans"] == before["loans"]
    assert book_state()["entries"] == before["entries"]

    # A new worker; the command again sends the pending chunks (the killed one also comes back
    # from the broker: delivered twice, booked once) and follows the two dates to the end.
    cob_workers()
    output = _command("--through", through.isoformat())
    assert f"{start} done: 3/3 chunks, {COB_LOANS} loans in " in output
    assert f"{through} done: 3/3 chunks, {COB_LOANS} loans in " in output
    _check_closed(start, through, loans)


def test_a_chunk_closes_while_another_chunk_of_its_run_is_open(cob_workers, cob_book):
    """Chunks of one run do not wait for each other, so more workers close a date faster: while
    the worker sits inside a chunk (written, not committed), this process closes another chunk of
    the same run. It once waited for the whole chunk, its lock taking the run's row too."""
    start, _loans = cob_book
    slow = cob_workers(LOANHUB_COB_CHUNK_DELAY_SECONDS="60")
    [run] = cob.close_through(start, start=start, wait=False)
    _wait_for(_inside_a_chunk, 60, "the worker inside a chunk", slow.log)

    with transaction.atomic():  # a chunk the worker does not hold (its row is not locked)
        free = (
            CobChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(run=run, done=False)
            .first()
        )
    assert free is not None
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '10s'")  # waiting for the worker's chunk fails the test
    try:
        assert cob.run_chunk(free.pk, chain=False) is True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert _inside_a_chunk()  # the worker's chunk is still open: this one did not wait for it
    free.refresh_from_db()
    assert free.done
    assert free.loans > 0
    slow.kill()
