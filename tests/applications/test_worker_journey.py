"""The origination journey in real mode: PostgreSQL, Redis and a separate Celery worker process.

The customer submits; the scoring task travels through Redis to a worker process, which scores
the application and, through the registered hook, approves it in the same transaction; the
customer accepts and an officer disburses. Nothing runs in-process here.
"""

from __future__ import annotations

import uuid

import pytest

from applications import services
from applications.models import LoanApplication, State
from loanhub.celery import app as celery_app
from servicing.models import Loan
from tests.applications.conftest import draft
from tests.loanhub.test_worker_integration import Worker, _wait_for

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def risk_worker(tmp_path):
    """A worker on the `risk` queue (where scoring is routed) and a queue of its own."""
    process = Worker(f"risk,it-{uuid.uuid4().hex[:10]}", tmp_path / "worker.log")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    process.start()
    yield process
    process.stop()
    celery_app.conf.task_always_eager = previous


def test_application_is_scored_by_a_worker_and_disbursed(risk_worker, risk_ready, product, customer, users):
    application = draft(customer, product)
    services.application_submit(application=application, actor=customer.user, credit_check_consent=True)
    assert LoanApplication.objects.get(pk=application.pk).state == State.SCORING

    def decided():
        state = LoanApplication.objects.get(pk=application.pk).state
        return state if state not in (State.SUBMITTED, State.SCORING, State.SCORED) else None

    assert _wait_for(decided, 90, "the worker's decision", risk_worker.log) == State.APPROVED
    application.refresh_from_db()
    assert application.decision is not None
    assert list(application.events.values_list("to_state", flat=True)) == [
        State.DRAFT,
        State.SUBMITTED,
        State.SCORING,
        State.SCORED,
        State.APPROVED,
    ]
    services.application_accept_offer(
        application=application,
        actor=customer.user,
        consents={"disclosure": True, "credit_contract": True},
        offer_digest=application.offer["digest"],
    )
    services.application_disburse(application=application, actor=users["officer"], reason="it")
    loan = Loan.objects.get(origin_ref=str(application))
    assert loan.principal == application.offer_amount
    assert loan.installments.count() == application.offer["installments"]
