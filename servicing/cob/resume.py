"""The sweep that resumes close-of-business runs whose messages were lost.

A run's chunks are sent to the workers when its transaction commits; a broker down at that moment
(the send is logged, see `loanhub.celery`) or restarted without persistence before a worker took
them leaves a run RUNNING that nothing moves. Beat calls `resume_stalled()` every few minutes: a
run with no chunk done for LOANHUB_COB_RESUME_AFTER_MINUTES has its pending chunks (or, with none
left, its finish) sent again. A chunk delivered twice is booked once (`run_chunk` locks it and
leaves a done chunk alone), so resuming a run that was only slow costs a message, never a posting.
A failed run is left to an operator (`close_business_day`), who sees why it failed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max

from loanhub import clock
from servicing.choices import CobStatus
from servicing.cob.runs import start_run
from servicing.models import CobRun


def resume_stalled(*, now: dt.datetime | None = None) -> list[dt.date]:
    """Send again the pending work of every running run that has not moved for the window;
    returns their business dates."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(minutes=settings.LOANHUB_COB_RESUME_AFTER_MINUTES)
    resumed = []
    runs = CobRun.objects.filter(status=CobStatus.RUNNING, started_at__lt=cutoff).annotate(
        last_done=Max("chunks__done_at")
    )
    for run in runs.order_by("business_date"):
        if run.last_done is not None and run.last_done >= cutoff:
            continue
        start_run(run.business_date, run.through or run.business_date, dispatch=True)
        resumed.append(run.business_date)
    return resumed
