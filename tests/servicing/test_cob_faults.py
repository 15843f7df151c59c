"""Close of business with the broker down when the run starts, on PostgreSQL, a throwaway Redis
(tests/loanhub/redis_server.py, never the shared one) and a real `celery worker -Q monitoring`.

The run is committed with its chunks, their messages are not sent (logged, not raised); when
Redis is back, beat's sweep (`servicing.tasks.resume_stalled_cob`) sends them again and the
worker closes the date: each chunk booked once, the ledger balanced and equal to the sub-ledgers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from loanhub import clock
from servicing import cob, tasks
from servicing.choices import CobStatus
from servicing.cob.resume import resume_stalled
from servicing.models import CobChunk, CobRun, JournalEntry
from tests.loanhub.redis_server import celery_broker
from tests.loanhub.test_worker_integration import _wait_for
from tests.servicing.cob_helpers import book_state
from tests.servicing.test_cob_worker import _check_closed

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]


def test_a_run_started_with_the_broker_down_is_resumed_by_the_sweep_and_closed_once(
    redis_server, cob_workers, cob_book
):
    start, loans = cob_book
    before = book_state()
    with celery_broker(redis_server.url()):
        # Given the broker down when the run starts
        redis_server.stop()
        [run] = cob.close_through(start, start=start, wait=False)

        # Then the run and its chunks are committed, none sent, nothing booked
        run.refresh_from_db()
        assert (run.status, run.chunks_total, run.chunks_done) == (CobStatus.RUNNING, 3, 0)
        assert not CobChunk.objects.filter(done=True).exists()
        assert book_state()["entries"] == before["entries"]

        # When Redis is back with a worker, and beat's sweep runs past the window
        redis_server.start()
        worker = cob_workers()
        later = clock.now() + dt.timedelta(minutes=settings.LOANHUB_COB_RESUME_AFTER_MINUTES + 1)
        assert resume_stalled(now=later) == [start]

        # Then the worker closes the date, each chunk once
        def closed():
            return CobRun.objects.filter(business_date=start, status=CobStatus.DONE).exists()

        _wait_for(closed, 60, "the resumed run", worker.log)
        _check_closed(start, start, loans)
        # The sweep again, through the task: nothing more to send, nothing booked twice
        entries = JournalEntry.objects.filter(idempotency_key__startswith="cob:").count()
        assert tasks.resume_stalled_cob.apply().get() == []
        assert JournalEntry.objects.filter(idempotency_key__startswith="cob:").count() == entries
