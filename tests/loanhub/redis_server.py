"""A throwaway `redis-server` for the fault tests: its own port, no persistence, stopped and
started at will.

The fault tests take the broker down and bring it back; they never touch the shared Redis on
6379 that other test runs (and CI's other passes) use. Each test process picks ports from 6390 up,
offset by its process id, so parallel runs do not collide; a port in use is skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FIRST_PORT = 6390
PORTS = 500  # 6390 … 6889


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _pick_port() -> int:
    start = os.getpid() % PORTS
    for n in range(PORTS):
        port = FIRST_PORT + (start + n) % PORTS
        if _free(port):
            return port
    raise RuntimeError(f"no free port in {FIRST_PORT}-{FIRST_PORT + PORTS - 1} for a test Redis")


class RedisServer:
    """`redis-server` on 127.0.0.1:`port` in its own process group, with no snapshot and no
    append-only file: a restart loses every key, as a broker restarted without persistence does."""

    def __init__(self, log: Path, port: int | None = None):
        self.port = port or _pick_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 10) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
        command = [binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f"redis-server on port {self.port} did not start:\n{self.log.read_text()[-2000:]}")

    def client(self, db: int = 0):
        import redis

        return redis.Redis(port=self.port, db=db, socket_timeout=5)

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server at once (SIGKILL: nothing is saved, clients see the connection drop)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not _free(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    """A throwaway Redis, running at the start and stopped at the end (import it into the test
    module; list it before the worker fixtures, so their workers stop before it does)."""
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


def _drop_broker_pools() -> None:
    from loanhub.celery import app

    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Within the block this process (and any worker started in it) uses the broker at `url`.

    Celery reads CELERY_BROKER_URL from the environment before its own settings, and keeps a pool
    of connections (and producers) to the broker it first used: both are switched, and back.
    """
    previous = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    _drop_broker_pools()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous
        _drop_broker_pools()
