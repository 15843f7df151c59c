"""Scoring under faults, on PostgreSQL, Redis and real `celery worker -Q risk` processes.

- A worker killed (SIGKILL) while it scores: the scoring's transaction dies with it, the message
  was not acknowledged (acks_late) and comes back to the next worker; the application is scored
  once.
- The broker down when an application is submitted: the submission is committed and answered
  (never a 500), the message is not sent; the broker restarted without persistence while a message
  waits in it: the message is lost. When Redis is back, beat's sweep (`requeue_stuck`) sends both
  again and a worker scores each once; the same request delivered twice more changes nothing.

The broker of the outage test is a throwaway `redis-server` on its own port (never the shared one
other runs use): tests/loanhub/redis_server.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from applications import services
from applications.models import LoanApplication, State
from loanhub import clock
from loanhub.celery import app as celery_app
from risk import tasks as risk_tasks
from risk.choices import RequestState
from risk.models import Decision, ScoringRequest
from tests.applications.conftest import draft, make_customer
from tests.loanhub.redis_server import celery_broker
from tests.loanhub.test_worker_integration import _wait_for, queue_workers

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]

UNDECIDED = (State.SUBMITTED, State.SCORING, State.SCORED)


@pytest.fixture
def risk_workers(tmp_path, monkeypatch):
    """Start `celery worker -Q risk` processes (stopped at the end), each with extra environment;
    tasks of this process go through the broker."""
    yield from queue_workers("risk", tmp_path, monkeypatch)


def _purge_risk_queue() -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("risk")


def _decided(application: LoanApplication):
    state = LoanApplication.objects.get(pk=application.pk).state
    return state if state not in UNDECIDED else None


def _scored_once(application: LoanApplication) -> None:
    application.refresh_from_db()
    request = application.scoring_request
    assert request.state == RequestState.SCORED
    assert Decision.objects.filter(request=request).count() == 1
    assert request.events.filter(to_state=RequestState.SCORED).count() == 1
    assert application.events.filter(to_state=State.SCORED).count() == 1
    assert application.events.exclude(to_state__in=UNDECIDED).exclude(to_state=State.DRAFT).count() == 1


def _sweep() -> dict:
    """Beat's sweep, as it runs once the applications have waited past the window."""
    later = clock.now() + dt.timedelta(minutes=settings.LOANHUB_STUCK_AFTER_MINUTES + 1)
    return services.applications_requeue_stuck(now=later)


def test_a_worker_killed_while_it_scores_loses_nothing_and_the_next_scores_once(
    risk_workers, risk_ready, product, customer, tmp_path
):
    _purge_risk_queue()
    marker = tmp_path / "at-the-bureau"
    slow = risk_workers(
        LOANHUB_CREDIT_BUREAU="tests.applications.slow_bureau.SlowBureau",
        LOANHUB_TEST_BUREAU_MARKER=str(marker),
        LOANHUB_TEST_BUREAU_SECONDS="60",
    )
    application = draft(customer, product)
    services.application_submit(application=application, actor=customer.user, credit_check_consent=True)

    _wait_for(marker.exists, 60, "the worker at the bureau, inside the scoring", slow.log)
    slow.kill()

    # Nothing of the scoring was kept: the request pending, no decision, the application waiting
    application.refresh_from_db()
    assert application.state == State.SCORING
    assert application.scoring_request.state == RequestState.PENDING
    assert not Decision.objects.exists()

    # A new worker gets the unacknowledged message back (visibility timeout) and scores it once
    fresh = risk_workers()
    assert _wait_for(lambda: _decided(application), 90, "the redelivered scoring", fresh.log)
    _scored_once(application)
    assert "Task risk.tasks.score_request[" in fresh.log.read_text()


def test_the_broker_down_or_restarted_loses_no_application_and_scores_each_once(
    redis_server, risk_workers, risk_ready, product, customer
):  # redis_server first: its workers stop before it does
    other = make_customer("carol")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    with celery_broker(redis_server.url()):
        # Given the broker down when the first application is submitted
        redis_server.stop()
        first = draft(customer, product)
        client.force_authenticate(customer.user)
        response = client.post(
            f"/api/v1/applications/{first.pk}/submit/", {"credit_check_consent": True}, format="json"
        )
        # Then it is committed and answered, the scoring waiting for its message
        assert response.status_code == 200, response.content
        assert response.json()["state"] == State.SCORING
        first.refresh_from_db()
        assert (first.state, first.scoring_request.state) == (State.SCORING, RequestState.PENDING)

        # Given the broker back, a second application's message waiting in it, then lost with a
        # restart (no persistence, as a Redis that loses its memory)
        redis_server.start()
        second = draft(other, product)
        services.application_submit(application=second, actor=other.user, credit_check_consent=True)
        assert redis_server.client().llen("risk") == 1
        redis_server.restart()
        assert redis_server.client().llen("risk") == 0

        # When a worker runs and beat's sweep finds both waiting
        worker = risk_workers()
        assert _sweep()["requeued"] == 2

        # Then each is scored once
        for application in (first, second):
            assert _wait_for(lambda a=application: _decided(a), 90, "the swept scoring", worker.log)
            _scored_once(application)

        # The same request delivered twice more through the broker: nothing changes
        request_id = first.scoring_request_id
        for _ in range(2):
            risk_tasks.score_request.apply_async(args=[request_id])

        def all_four_done():  # two swept, two duplicates: each finished (a no-op or not)
            done = [line for line in worker.log.read_text().splitlines() if "succeeded" in line]
            return len([line for line in done if "score_request[" in line]) >= 4

        _wait_for(all_four_done, 60, "two more deliveries", worker.log)
        _scored_once(first)
        _scored_once(second)
        assert ScoringRequest.objects.count() == 2
