"""Close-of-business runs in-process (SQLite replays every loan; PostgreSQL moves them set-based):
a date closed twice changes nothing, and a run that fails in its second chunk is resumed to the
very state of a run that never failed (loans, installments, journal entries, snapshots, runs).

The book of `test_cob_replay` (ten loans of different shapes and habits) is closed for five weeks,
past its first due dates, so the days closed here carry overdue amounts, penalty and provisions.
The uninterrupted reference run is made inside a savepoint and rolled back, then the same days
are closed again with a failure.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from loanhub import clock, roles
from servicing import cob, quiet, tasks
from servicing.calendar import last_closed_date, open_business_date
from servicing.choices import NON_PERFORMING_CLASSES, CobStatus, LoanStatus
from servicing.cob import perloan, setbased
from servicing.cob.runs import _chunk_ranges, _counts
from servicing.models import CobChunk, CobRun, JournalEntry, Loan, LoanSnapshot
from tests.products.factories import UserFactory
from tests.servicing.cob_helpers import (
    _book,
    _check_against_replay,
    _pay,
    book_state,
    check_ledger,
    ledger_balanced,
)
from tests.servicing.factories import ApplicationFactory, active_version, open_loan

pytestmark = pytest.mark.django_db

CHUNK = 4  # ten loans: chunks of 4, 4 and 2
FIRST_CLOSE = 30  # days after disbursement of the first close (each loan replayed once to it)
DAILY = 5  # days then closed one by one with the borrowers' payments: past the first due dates


@pytest.fixture
def book(settings):
    settings.LOANHUB_COB_CHUNK_SIZE = CHUNK
    officer = UserFactory(username="cob-officer", role=roles.LOAN_OFFICER)
    start = clock.today() - dt.timedelta(days=60)
    loans = _book(start, officer)
    rng = random.Random(7)
    first = start + dt.timedelta(days=FIRST_CLOSE)
    cob.close_through(first, start=first)
    for _ in range(DAILY):
        day = open_business_date()
        _pay(loans, day, officer, rng)
        cob.close_through(day)
    assert Loan.objects.filter(status=LoanStatus.ACTIVE).count() == 10
    assert Loan.objects.filter(days_past_due__gt=0).exists()  # the days closed here are not idle
    return loans


def test_closing_a_date_twice_changes_nothing(book):
    day = open_business_date()
    [run] = cob.close_through(day)
    assert run.business_date == day
    assert run.status == CobStatus.DONE
    assert run.chunks_total == 3
    before = book_state()

    # Asked again through that date or an earlier one: nothing to close.
    assert cob.close_through(day) == []
    assert cob.close_through(day - dt.timedelta(days=10)) == []
    # Its run found again as it is; its chunks delivered again; its end asked again.
    assert cob.start_run(day, day, dispatch=False).pk == run.pk
    for chunk_id in run.chunks.values_list("pk", flat=True):
        assert cob.run_chunk(chunk_id) is False
        assert tasks.cob_chunk.apply(args=[chunk_id]).get() is False
    assert cob.finish_run(run.pk) is None
    tasks.cob_finish.apply(args=[run.pk]).get()

    assert book_state() == before
    assert last_closed_date() == day
    assert CobRun.objects.filter(business_date=day).count() == 1


def test_loans_already_moved_past_the_date_are_left_alone_by_a_chunk_run_again(book):
    """The guard below the done flag: a chunk run over loans it has moved already books nothing."""
    day = open_business_date()
    [run] = cob.close_through(day)
    before = book_state()

    CobChunk.objects.filter(run=run).update(done=False)
    for chunk_id in run.chunks.order_by("number").values_list("pk", flat=True):
        assert cob.run_chunk(chunk_id, chain=False) is True

    after = book_state()
    assert after["loans"] == before["loans"]
    assert after["entries"] == before["entries"]
    assert after["snapshots"] == before["snapshots"]
    assert list(run.chunks.values_list("loans", flat=True)) == [0, 0, 0]


def _fail_once_in_chunk(number: int, monkeypatch, *, size: int = CHUNK) -> list[int]:
    """Make chunk `number` raise once after doing its work (its writes must be rolled back);
    returns the ids of its loans."""
    active = list(Loan.objects.filter(status=LoanStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    ids = active[(number - 1) * size : number * size]
    failed = []

    def fail(result):
        if not failed:
            failed.append(True)
            raise RuntimeError(f"chunk {number} down")
        return result

    if cob.set_based():
        original = setbased.close_chunk

        def close_chunk(*, business_date, first_id, last_id):
            result = original(business_date=business_date, first_id=first_id, last_id=last_id)
            return fail(result) if first_id == ids[0] else result

        monkeypatch.setattr(setbased, "close_chunk", close_chunk)
    else:
        original = perloan.close_loan

        def close_loan(loan, business_date):
            result = original(loan, business_date)
            return fail(result) if loan.pk == ids[-1] else result  # the chunk's other loans done

        monkeypatch.setattr(perloan, "close_loan", close_loan)
    return ids


def test_a_run_failing_in_its_second_chunk_resumes_to_the_state_of_an_uninterrupted_run(book, monkeypatch):
    day = open_business_date()
    through = day + dt.timedelta(days=1)
    with transaction.atomic():  # the reference: the same two days closed without a failure
        assert [r.business_date for r in cob.close_through(through)] == [day, through]
        reference = book_state()
        transaction.set_rollback(True)
    assert open_business_date() == day
    untouched = book_state()["loans"]
    chunk2 = _fail_once_in_chunk(2, monkeypatch)

    with pytest.raises(RuntimeError, match="chunk 2 down"):
        cob.close_through(through)

    # The run failed with the error; chunk 1 is done, nothing of chunk 2 (or 3) was written.
    run = CobRun.objects.get(business_date=day)
    assert run.status == CobStatus.FAILED
    assert "chunk 2 down" in run.error
    assert list(run.chunks.order_by("number").values_list("done", flat=True)) == [True, False, False]
    assert run.chunks_done == 1
    assert last_closed_date() == day - dt.timedelta(days=1)
    assert not CobRun.objects.filter(business_date=through).exists()
    first = run.chunks.get(number=1)
    moved = {loan.pk for loan in Loan.objects.all() if quiet.standing_date(loan) > day}
    assert moved == set(
        Loan.objects.filter(pk__gte=first.first_id, pk__lte=first.last_id).values_list("pk", flat=True)
    )
    state_now = book_state()["loans"]
    for loan_id in chunk2:
        assert state_now[loan_id] == untouched[loan_id]
    assert set(LoanSnapshot.objects.filter(business_date=day).values_list("loan_id", flat=True)) == moved
    of_the_day = JournalEntry.objects.filter(memo__startswith=f"Close of business {day}")
    assert set(of_the_day.filter(loan__isnull=False).values_list("loan_id", flat=True)) <= moved
    assert set(of_the_day.filter(loan__isnull=True).values_list("idempotency_key", flat=True)) <= {
        f"cob:{day}:1"
    }
    assert ledger_balanced()

    # Resumed: the failed run, then the next date; the same state as without the failure.
    resumed = cob.close_through(through)
    assert [(r.business_date, r.status) for r in resumed] == [
        (day, CobStatus.DONE),
        (through, CobStatus.DONE),
    ]
    assert book_state() == reference
    _check_against_replay(book)
    check_ledger()


def test_a_first_run_left_unfinished_is_resumed_without_its_start_date(settings, monkeypatch):
    """Before any date is closed the open date is the clock's; the first run, failed, must still
    be resumed by the next `close_through` (the command without --from, the nightly task)."""
    settings.LOANHUB_COB_CHUNK_SIZE = 1
    start = clock.today() - dt.timedelta(days=3)
    officer = UserFactory(username="cob-officer", role=roles.LOAN_OFFICER)
    for _ in range(2):
        open_loan(ApplicationFactory(product_version=active_version()), actor=officer, disbursed_on=start)
    _fail_once_in_chunk(2, monkeypatch, size=1)
    with pytest.raises(RuntimeError, match="chunk 2 down"):
        cob.close_through(start, start=start)
    assert CobRun.objects.get(business_date=start).status == CobStatus.FAILED

    # The nightly task (through yesterday) resumes it and carries on to yesterday.
    closed = tasks.close_business_days.apply().get()

    yesterday = clock.today() - dt.timedelta(days=1)
    assert closed == [(start + dt.timedelta(days=n)).isoformat() for n in range(3)]
    assert last_closed_date() == yesterday
    assert (
        list(CobRun.objects.order_by("business_date").values_list("status", flat=True))
        == [CobStatus.DONE] * 3
    )
    assert LoanSnapshot.objects.filter(business_date=start).count() == 2


def test_runs_in_process_when_tasks_run_eagerly_even_with_a_broker_configured(settings):
    """The unit tests run tasks in-process (conftest) while CI configures a broker: close of
    business follows the Celery app, not the broker setting, or it would wait for workers."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with CELERY_BROKER_URL set
    day = clock.today() - dt.timedelta(days=2)
    open_loan(ApplicationFactory(product_version=active_version()), disbursed_on=day)

    runs = cob.close_through(day, start=day, wait=False)

    assert [(run.business_date, run.status) for run in runs] == [(day, CobStatus.DONE)]
    assert last_closed_date() == day


@pytest.mark.services("postgres")
def test_the_loan_api_gives_the_date_a_quiet_loan_stands_at_not_its_rows(book):
    """Set-based close leaves a quiet loan's row at an earlier date (servicing.quiet); the loan's
    API answers with the open business date for every active loan all the same."""
    from rest_framework.test import APIClient

    day = open_business_date()
    active = Loan.objects.filter(status=LoanStatus.ACTIVE)
    assert active.filter(position_date__lt=day).exists()  # some rows stand behind
    client = APIClient()
    client.force_authenticate(UserFactory(username="cob-reader", role=roles.LOAN_OFFICER))
    for pk in active.values_list("pk", flat=True):
        assert client.get(f"/api/v1/loans/{pk}/").json()["position_date"] == day.isoformat()


def test_the_runs_counts_are_its_dates_snapshots_tallied_across_its_chunks(book):
    # Each chunk keeps its own groups; the run folds them. Tallied here from the rows themselves.
    day = open_business_date()
    [run] = cob.close_through(day)
    assert run.chunks_total == 3
    snapshots = list(LoanSnapshot.objects.filter(business_date=day))
    assert len(snapshots) == 10
    assert run.counts["buckets"] == dict(sorted(Counter(s.delinquency_bucket for s in snapshots).items()))
    assert run.counts["classes"] == dict(sorted(Counter(s.classification for s in snapshots).items()))
    assert run.counts["stages"] == dict(sorted(Counter(str(s.ifrs9_stage) for s in snapshots).items()))
    assert len(run.counts["buckets"]) > 1  # some loans overdue: more than one group folded
    for key, field in (("balance", "principal_outstanding"), ("provision", "provision"), ("ecl", "ecl")):
        assert run.counts[key] == str(sum(getattr(s, field) for s in snapshots))
    npl = sum(s.principal_outstanding for s in snapshots if s.classification in NON_PERFORMING_CLASSES)
    assert run.counts["npl"] == str(Decimal(npl).quantize(Decimal("0.01")))
    # A chunk done before chunks kept their counts (a run resumed across migration 0030) has
    # none: its snapshots are read instead, to the same counts.
    kept = run.chunks.get(number=2)
    assert kept.counts
    CobChunk.objects.filter(pk=kept.pk).update(counts=[])
    assert _counts(run) == run.counts


@given(
    counts=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=40),
    gaps=st.lists(st.integers(min_value=1, max_value=3), min_size=40, max_size=40),
    size=st.integers(min_value=1, max_value=30),
    bits=st.integers(min_value=0, max_value=4),
)
def test_chunks_are_whole_buckets_in_order_with_no_gap_each_but_the_last_holding_its_size(
    counts, gaps, size, bits
):
    buckets, bucket = [], 3
    for n, gap in zip(counts, gaps, strict=False):
        buckets.append((bucket, n))
        bucket += gap
    ranges = _chunk_ranges(buckets, size, bits)
    assert ranges[0][0] == buckets[0][0] << bits
    assert ranges[-1][1] == ((buckets[-1][0] + 1) << bits) - 1
    for (_, last), (first, _) in itertools.pairwise(ranges):
        assert first == last + 1  # contiguous
    loans = []
    for first, last in ranges:
        assert first % (1 << bits) == 0  # whole buckets
        assert (last + 1) % (1 << bits) == 0
        loans.append(sum(n for b, n in buckets if first <= b << bits <= last))
    assert sum(loans) == sum(counts)
    assert all(n >= size for n in loans[:-1])
    # No chunk larger than it needs: without its last bucket it would hold fewer than `size`.
    for (first, last), n in zip(ranges[:-1], loans[:-1], strict=True):
        last_bucket = max(b for b, _ in buckets if first <= b << bits <= last)
        assert n - dict(buckets)[last_bucket] < size
