"""Kernel services."""

from __future__ import annotations

import time

from django.db import transaction

from loanhub import clock
from loanhub.models import TaskProbe


def probe_run(*, token: str, work_seconds: float = 0.0, worker: str = "") -> str:
    """Record a probe delivery, do `work_seconds` of work, then mark it done (idempotent).

    The start is committed before the work so that an observer can see a delivery in progress;
    a redelivered message finds the row, counts the attempt and finishes it, never a second row.
    """
    with transaction.atomic():
        probe, _ = TaskProbe.objects.select_for_update().get_or_create(token=token)
        if probe.state == TaskProbe.State.DONE:
            return probe.state
        probe.attempts += 1
        probe.worker = worker
        probe.save(update_fields=["attempts", "worker"])
    if work_seconds:
        time.sleep(work_seconds)
    with transaction.atomic():
        probe = TaskProbe.objects.select_for_update().get(token=token)
        if probe.state != TaskProbe.State.DONE:
            probe.state = TaskProbe.State.DONE
            probe.finished_at = clock.now()
            probe.save(update_fields=["state", "finished_at"])
    return probe.state
