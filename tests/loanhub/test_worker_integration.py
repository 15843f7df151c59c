"""A real Celery worker on Redis and PostgreSQL: tasks run, and a killed worker loses nothing.

The worker is a separate process with its own settings, pointed at the test database, and
consumes a queue made for this test alone so stale messages from other runs cannot interfere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from loanhub.celery import app as celery_app
from loanhub.models import TaskProbe
from loanhub.tasks import probe

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 3

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A `celery worker` subprocess in its own process group (so SIGKILL reaches its children)."""

    def __init__(self, queue: str, log: Path):
        self.queue = queue
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "LOANHUB_REQUIRE_SERVICES": "0",
        }
        command = [sys.executable, "-m", "celery", "-A", "loanhub", "worker", "-Q", self.queue]
        command += ["--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
        command += ["--hostname", f"test-{self.queue}-{uuid.uuid4().hex[:6]}@%h"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def queue_workers(queue: str, tmp_path: Path, monkeypatch, **defaults):
    """For a fixture (`yield from queue_workers(...)`): yields `start(**env)`, which starts a
    `celery worker -Q queue` with `defaults` and `env` in its environment; this process's tasks go
    through the broker meanwhile; every worker started is stopped at the end."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    started: list[Worker] = []

    def start(**env) -> Worker:
        with monkeypatch.context() as patch:
            for name, value in {**defaults, **env}.items():
                patch.setenv(name, value)
            worker = Worker(queue, tmp_path / f"worker-{len(started) + 1}.log")
            worker.start()
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        celery_app.conf.task_always_eager = previous


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def worker(tmp_path):
    queue = f"it-{uuid.uuid4().hex[:10]}"
    process = Worker(queue, tmp_path / "worker.log")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # this test talks to the real broker
    process.start()
    yield process
    process.stop()
    celery_app.conf.task_always_eager = previous


def _probe_row(token: str, state: str | None = None):
    rows = TaskProbe.objects.filter(token=token)
    if state:
        rows = rows.filter(state=state)
    return rows.first()


def test_worker_runs_a_task_that_writes_to_the_database(worker, client):
    token = uuid.uuid4().hex
    probe.apply_async(args=[token], queue=worker.queue)

    row = _wait_for(lambda: _probe_row(token, TaskProbe.State.DONE), 60, "the probe row", worker.log)
    assert row.attempts == 1
    assert row.worker

    # With a worker answering, the readiness endpoint reports every part healthy (to this machine).
    def healthy():
        cache.delete("loanhub:readyz")  # its answer is cached for a few seconds
        response = client.get("/readyz")
        return response.json() if response.status_code == 200 else None

    body = _wait_for(healthy, 30, "readyz 200", worker.log)
    assert body["worker"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "broker"}


def test_task_running_when_worker_is_killed_is_completed_after_restart(worker):
    token = uuid.uuid4().hex
    probe.apply_async(args=[token], kwargs={"work_seconds": 6}, queue=worker.queue)
    _wait_for(lambda: _probe_row(token, TaskProbe.State.STARTED), 60, "the task to start", worker.log)

    worker.kill()  # SIGKILL mid-task: the message was never acknowledged (acks_late)
    row = _probe_row(token)
    assert row.state == TaskProbe.State.STARTED

    worker.start()
    row = _wait_for(lambda: _probe_row(token, TaskProbe.State.DONE), 90, "redelivery", worker.log)
    assert row.attempts == 2  # delivered again, finished once, one row
    assert TaskProbe.objects.filter(token=token).count() == 1
