"""The Celery application and the one way LoanHub enqueues work.

Tasks are enqueued only after the surrounding database transaction commits
(`enqueue_on_commit`), so a worker never sees an id whose row is not yet visible, and a rolled
back transaction enqueues nothing. Without a broker (the embedded default) tasks run in-process
at the same moment.

A broker that does not answer when the work is sent (Redis down or restarting) does not undo or
fail what was committed: the error is logged and the message is left to the periodic sweep of
its kind, which finds the rows still waiting and sends them again (scoring:
`applications.tasks.requeue_stuck`; close of business: `servicing.tasks.resume_stalled_cob`).
Every task is idempotent, so a message sent twice changes nothing.
"""

from __future__ import annotations

import logging
import os

import redis.exceptions
from celery import Celery
from kombu.exceptions import OperationalError as BrokerOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")

app = Celery("loanhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


logger = logging.getLogger(__name__)

# What sending a message raises when the broker (or the result store beside it) does not answer:
# Celery retries the publish briefly, then raises kombu's OperationalError.
BROKER_ERRORS = (BrokerOperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def send(task, args: tuple = (), kwargs: dict | None = None) -> bool:
    """Send one message; False (logged, not raised) when the broker does not answer."""
    try:
        task.apply_async(args=args, kwargs=kwargs or {})
    except BROKER_ERRORS as exc:
        # Ids only: never the personal data a message might carry in kwargs.
        logger.error(
            "broker unavailable, %s%r not sent (its periodic sweep sends it again): %s",
            task.name,
            tuple(args),
            exc.__class__.__name__,
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send task(*args, **kwargs) when the current transaction commits (at once outside one).

    The work is committed whether or not the broker answers (see the module): a broker error is
    logged, never turned into a failed request.
    """
    from django.db import transaction

    transaction.on_commit(lambda: send(task, args, kwargs))
