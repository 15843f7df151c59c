"""Servicing's tasks (the `monitoring` queue): thin, each calls one idempotent service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from loanhub import clock
from servicing import cob
from servicing.cob.resume import resume_stalled
from servicing.cob.runs import fail_run


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def cob_chunk(self, chunk_id: int) -> bool:
    """Close one chunk of a close-of-business run; a chunk done already is left alone."""
    try:
        return cob.run_chunk(chunk_id)
    except OperationalError:
        raise  # retried (a dropped connection, a deadlock victim)
    except Exception as exc:
        fail_run(chunk_id, repr(exc))
        raise


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def cob_finish(self, run_id: int) -> None:
    """Close a run whose chunks are all done (a run with no loans has none to wait for)."""
    cob.finish_run(run_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def close_business_days(self) -> list[str]:
    """Nightly (beat): close every business date up to yesterday; resumes a run left unfinished."""
    runs = cob.close_through(clock.today() - dt.timedelta(days=1), wait=False)
    return [run.business_date.isoformat() for run in runs]


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def resume_stalled_cob(self) -> list[str]:
    """Every few minutes (beat): send again the chunks of runs nothing has moved (lost messages)."""
    return [day.isoformat() for day in resume_stalled()]


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def collateral_revaluation(self) -> int:
    """Daily (beat): flag collateral valued longer ago than its type's revaluation age."""
    from servicing.collateral import collateral_revaluation_flag

    return collateral_revaluation_flag()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def collections_close_day(self, business_date: str) -> dict:
    """After a closed date: promises to pay, collection cases, dunning (idempotent)."""
    from servicing.collections import collections_close_day as run

    return run(business_date=dt.date.fromisoformat(business_date))


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def propose_limits(self, month: str | None = None) -> int:
    """Monthly (beat): limit increases and top-up offers from good history; idempotent per month."""
    from servicing.limits import limit_proposals_run

    on = dt.date.fromisoformat(month) if month else None
    return len(limit_proposals_run(month=on))
