"""Beat's sweep for close-of-business runs whose chunk messages were lost (a broker down when the
run started, or restarted without persistence): resumed after the window, each chunk booked once.
The same with a real worker and a real broker outage: tests/servicing/test_cob_faults.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from loanhub import clock
from servicing import cob, tasks
from servicing.choices import CobStatus
from servicing.cob.resume import resume_stalled
from servicing.models import CobChunk, CobRun, JournalEntry
from tests.servicing.cob_helpers import check_ledger
from tests.servicing.factories import ApplicationFactory, active_version, open_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(settings):
    """A run of five days ago over three loans in two chunks, started but none of its chunk
    messages delivered (lost with the broker)."""
    settings.LOANHUB_COB_CHUNK_SIZE = 2
    start = clock.today() - dt.timedelta(days=5)
    version = active_version()
    for _ in range(3):
        open_loan(ApplicationFactory(product_version=version), disbursed_on=start)
    return cob.start_run(start, start, dispatch=False)


def _later(minutes: int) -> dt.datetime:
    return clock.now() + dt.timedelta(minutes=minutes)


def test_beat_runs_the_sweep_often():
    entry = settings.CELERY_BEAT_SCHEDULE["servicing-resume-stalled-cob"]
    assert entry["task"] == "servicing.tasks.resume_stalled_cob"
    assert entry["schedule"] < settings.LOANHUB_COB_RESUME_AFTER_MINUTES * 60


def test_a_run_nothing_moves_is_resumed_after_the_window_and_closes_once(
    started, django_capture_on_commit_callbacks
):
    window = settings.LOANHUB_COB_RESUME_AFTER_MINUTES
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert resume_stalled(now=_later(window - 1)) == []  # not stalled yet
    assert sent == []

    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert resume_stalled(now=_later(window + 1)) == [started.business_date]
    assert len(sent) == 2  # the two pending chunks, run in-process here

    started.refresh_from_db()
    assert (started.status, started.chunks_done) == (CobStatus.DONE, 2)
    assert set(CobChunk.objects.values_list("done", "attempts")) == {(True, 1)}
    entries = JournalEntry.objects.filter(idempotency_key__startswith="cob:").count()
    # Again, and through the task: a done run is left alone, nothing booked twice
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert tasks.resume_stalled_cob.apply().get() == []
        assert resume_stalled(now=_later(window + 1)) == []
    assert sent == []
    assert JournalEntry.objects.filter(idempotency_key__startswith="cob:").count() == entries
    check_ledger()


def test_a_run_moving_or_failed_is_not_resumed(started, django_capture_on_commit_callbacks):
    window = settings.LOANHUB_COB_RESUME_AFTER_MINUTES
    long_ago = clock.now() - dt.timedelta(minutes=window + 5)
    CobRun.objects.filter(pk=started.pk).update(started_at=long_ago)
    first = started.chunks.order_by("number").first()
    cob.run_chunk(first.pk)  # a chunk done now: the run started long ago is moving
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert resume_stalled() == []
    assert sent == []

    CobRun.objects.filter(pk=started.pk).update(status=CobStatus.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert resume_stalled(now=_later(window + 1)) == []
    assert sent == []
    assert CobRun.objects.get(pk=started.pk).status == CobStatus.FAILED  # an operator's to resume


def test_a_run_no_worker_takes_is_resent_ever_less_often(started, django_capture_on_commit_callbacks):
    """With no worker at all, resending every sweep would pile the same chunks up in the queue: the
    waits double (window, 2×, 4× …) while nothing moves, and a chunk done resets them."""
    window = settings.LOANHUB_COB_RESUME_AFTER_MINUTES
    resent_at = []
    for minute in range(window + 1, 8 * window + 2):
        with django_capture_on_commit_callbacks(execute=False):  # the messages go nowhere
            if resume_stalled(now=_later(minute)):
                resent_at.append(minute)
    w = window + 1
    assert resent_at == [w, w + window, w + 3 * window, w + 7 * window]  # gaps 1×, 2×, 4× the window

    cob.run_chunk(started.chunks.order_by("number").first().pk)  # a worker shows up and moves it
    CobChunk.objects.filter(done=True).update(done_at=_later(8 * window + 2))
    with django_capture_on_commit_callbacks(execute=False):
        assert resume_stalled(now=_later(9 * window + 3)) == [started.business_date]  # 1× again
