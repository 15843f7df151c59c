"""The sweep that resumes close-of-business runs whose messages were lost.

A run's chunks are sent to the workers when its transaction commits; a broker down at that moment
(the send is logged, see `loanhub.celery`) or restarted without persistence before a worker took
them leaves a run RUNNING that nothing moves. Beat calls `resume_stalled()` every few minutes: a
run with no chunk done for LOANHUB_COB_RESUME_AFTER_MINUTES has its pending chunks (or, with none
left, its finish) sent again. A chunk delivered twice is booked once (`run_chunk` locks it and
leaves a done chunk alone), so resuming a run that was only slow costs a message, never a posting.
A failed run is left to an operator (`close_business_day`), who sees why it failed.

While no worker runs at all, each resend would only pile the same chunks up in the queue, so a run
that has not moved since it was last resent waits twice as long each time (the window, 2×, 4× …,
at most 16×) before the next resend. The resend count lives in the cache: losing it (a cache
outage or restart) only makes the next resend come sooner.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from loanhub import clock
from loanhub.cache import CACHE_ERRORS, log_outage
from servicing.choices import CobStatus
from servicing.cob.runs import start_run
from servicing.models import CobRun

MAX_DOUBLINGS = 4


def resume_stalled(*, now: dt.datetime | None = None) -> list[dt.date]:
    """Send again the pending work of every running run that has not moved for the window;
    returns their business dates."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(minutes=settings.LOANHUB_COB_RESUME_AFTER_MINUTES)
    resumed = []
    runs = CobRun.objects.filter(status=CobStatus.RUNNING, started_at__lt=cutoff).annotate(
        last_done=Max("chunks__done_at")
    )
    window = dt.timedelta(minutes=settings.LOANHUB_COB_RESUME_AFTER_MINUTES)
    for run in runs.order_by("business_date"):
        if run.last_done is not None and run.last_done >= cutoff:
            continue
        key = f"servicing:cob-resent:{run.pk}:{run.started_at.timestamp()}"
        try:
            last = cache.get(key)
        except CACHE_ERRORS as exc:
            log_outage("cob resume backoff", exc)
            last = None
        count = 0
        if last is not None and (run.last_done is None or run.last_done < last["at"]):
            count = last["count"]  # nothing moved since the last resend: back off
            if now < last["at"] + window * 2 ** min(count - 1, MAX_DOUBLINGS):
                continue
        start_run(run.business_date, run.through or run.business_date, dispatch=True)
        try:
            cache.set(key, {"at": now, "count": count + 1}, timeout=7 * 24 * 3600)
        except CACHE_ERRORS as exc:
            log_outage("cob resume backoff", exc)
        resumed.append(run.business_date)
    return resumed
