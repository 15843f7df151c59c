"""Platform tasks: the probe that proves a worker round trip."""

from __future__ import annotations

import socket

from celery import shared_task
from django.db import OperationalError

from loanhub import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def probe(self, token: str, work_seconds: float = 0.0) -> str:
    return services.probe_run(token=token, work_seconds=work_seconds, worker=socket.gethostname())
