"""Prove that a worker takes tasks from the broker and writes to the database."""

import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from loanhub.celery import enqueue_on_commit
from loanhub.models import TaskProbe
from loanhub.tasks import probe


class Command(BaseCommand):
    help = "Enqueue a probe task and wait until a worker has written its row."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout: float, **options):
        token = uuid.uuid4().hex
        enqueue_on_commit(probe, token)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = TaskProbe.objects.filter(token=token, state=TaskProbe.State.DONE).first()
            if row:
                self.stdout.write(self.style.SUCCESS(f"worker {row.worker or '(in-process)'} answered"))
                return
            time.sleep(0.2)
        raise CommandError(f"no worker completed probe {token} within {timeout:.0f}s")
