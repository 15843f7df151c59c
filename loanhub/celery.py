"""The Celery application and the one way LoanHub enqueues work.

Tasks are enqueued only after the surrounding database transaction commits
(`enqueue_on_commit`), so a worker never sees an id whose row is not yet visible, and a rolled
back transaction enqueues nothing. Without a broker (the embedded default) tasks run in-process
at the same moment.
"""

from __future__ import annotations

import os
from functools import partial

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")

app = Celery("loanhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send task(*args, **kwargs) when the current transaction commits (at once outside one)."""
    from django.db import transaction

    transaction.on_commit(partial(task.apply_async, args=args, kwargs=kwargs))
