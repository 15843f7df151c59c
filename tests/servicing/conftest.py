"""Fixtures of the servicing tests: people in each role, and a disbursed loan per customer."""

from __future__ import annotations

import datetime as dt

import pytest

from loanhub import clock, roles
from loanhub.celery import app as celery_app
from tests.loanhub.test_worker_integration import Worker
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan


@pytest.fixture(autouse=True)
def _english():
    """Refusals of the services in English for exact assertions (the default language is
    zh-hans; tests of the Chinese wording override it)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def version():
    return active_version()


@pytest.fixture
def people(version):
    """Two customers with a loan each, a customer without a loan, an officer, an auditor and a
    staff user without servicing rights (a marketing manager)."""
    owner = CustomerFactory(user__username="owner")
    other = CustomerFactory(user__username="other")
    idle = CustomerFactory(user__username="idle")
    officer = UserFactory(username="officer", role=roles.LOAN_OFFICER)
    auditor = UserFactory(username="auditor", role=roles.AUDITOR)
    marketing = UserFactory(username="marketing", role=roles.MARKETING_MANAGER)
    owner_loan = open_loan(ApplicationFactory(customer=owner, product_version=version), actor=officer)
    other_loan = open_loan(ApplicationFactory(customer=other, product_version=version), actor=officer)
    return {
        "owner": owner.user,
        "other": other.user,
        "idle": idle.user,
        "officer": officer,
        "auditor": auditor,
        "marketing": marketing,
        "owner_loan": owner_loan,
        "other_loan": other_loan,
    }


# --- Close of business on real workers (test_cob_worker.py, test_cob_faults.py) -------------
COB_LOANS = 5
COB_CHUNK = 2  # three chunks a date


@pytest.fixture
def cob_workers(tmp_path, settings, monkeypatch):
    """Start `celery worker -Q monitoring` processes (stopped at the end), closing chunks of
    COB_CHUNK loans; the queue is emptied first so no message of another run reaches them."""
    settings.LOANHUB_COB_CHUNK_SIZE = COB_CHUNK
    monkeypatch.setenv("LOANHUB_COB_CHUNK_SIZE", str(COB_CHUNK))
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the chunks go through the broker
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("monitoring")
    started: list[Worker] = []

    def start(**env) -> Worker:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        worker = Worker("monitoring", tmp_path / f"worker-{len(started) + 1}.log")
        worker.start()
        started.append(worker)
        for name in env:
            monkeypatch.delenv(name)
        return worker

    yield start
    for worker in started:
        worker.stop()
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def cob_book():
    """COB_LOANS loans disbursed five days ago, none repaid: (the first date, [(loan, habit)])."""
    start = clock.today() - dt.timedelta(days=5)
    officer = UserFactory(username="cob-officer", role=roles.LOAN_OFFICER)
    version = active_version()
    loans = [
        open_loan(ApplicationFactory(product_version=version), actor=officer, disbursed_on=start)
        for _ in range(COB_LOANS)
    ]
    return start, [(loan, "never") for loan in loans]
