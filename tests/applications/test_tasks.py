"""Beat tasks: offers expire once; stuck applications are re-driven without double decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from applications import services, tasks
from applications.models import ApplicationEvent, LoanApplication, State
from risk.models import Decision, ScoringRequest
from tests.applications.conftest import draft, in_state

pytestmark = pytest.mark.django_db


def test_beat_schedule_runs_both_tasks():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"applications.tasks.expire_offers", "applications.tasks.requeue_stuck"} <= tasks_scheduled


def test_expire_offers_expires_past_offers_once(customer, product):
    now = timezone.now()
    past = in_state(State.APPROVED, customer, product, offer_expires_at=now - dt.timedelta(minutes=1))
    future = in_state(State.APPROVED, customer, product, offer_expires_at=now + dt.timedelta(days=1))
    accepted = in_state(State.OFFER_ACCEPTED, customer, product, offer_expires_at=now - dt.timedelta(days=1))
    # When the beat task runs twice
    assert tasks.expire_offers.apply().get() == 1
    assert tasks.expire_offers.apply().get() == 0
    # Then only the approved offer past its expiry expired, with one system event
    states = dict(LoanApplication.objects.values_list("pk", "state"))
    assert states == {
        past.pk: State.OFFER_EXPIRED,
        future.pk: State.APPROVED,
        accepted.pk: State.OFFER_ACCEPTED,
    }
    event = ApplicationEvent.objects.get(application=past)
    assert (event.actor, event.from_state, event.to_state) == (None, State.APPROVED, State.OFFER_EXPIRED)
    assert ApplicationEvent.objects.count() == 1


def test_accepting_an_offer_past_expiry_expires_it(customer, product):
    application = in_state(
        State.APPROVED, customer, product, offer_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(services.ApplicationStateError, match="it expired at") as caught:
        services.application_accept_offer(
            application=application,
            actor=customer.user,
            consents={"disclosure": True, "credit_contract": True},
        )
    assert caught.value.state == State.OFFER_EXPIRED
    application.refresh_from_db()
    assert application.state == State.OFFER_EXPIRED
    assert application.disclosure == {}


def _age(application, minutes=16):
    LoanApplication.objects.filter(pk=application.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_requeue_stuck_scores_a_pending_request_once(
    risk_ready, customer, product, django_capture_on_commit_callbacks
):
    # Given an application whose scoring message was lost (never delivered)
    application = draft(customer, product)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(application=application, actor=customer.user, credit_check_consent=True)
    application.refresh_from_db()
    assert application.state == State.SCORING
    assert application.scoring_request.state == "pending"
    # Not stuck yet: nothing happens
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck.apply().get() == {"started": 0, "requeued": 0, "retried": 0, "applied": 0}
    _age(application)
    # When the beat task runs, twice
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.requeue_stuck.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.requeue_stuck.apply().get()
    # Then the request was scored once and the application decided once
    assert first == {"started": 0, "requeued": 1, "retried": 0, "applied": 0}
    assert second == {"started": 0, "requeued": 0, "retried": 0, "applied": 0}
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert Decision.objects.count() == 1
    assert application.events.filter(to_state=State.APPROVED).count() == 1
    # through risk's requeue service, which notes it on the request
    notes = application.scoring_request.events.filter(reason="requeued: stuck in scoring")
    assert list(notes.values_list("from_state", "to_state")) == [("pending", "pending")]


def test_requeue_stuck_after_the_window_again_does_not_double_decide(
    risk_ready, customer, product, django_capture_on_commit_callbacks
):
    application = draft(customer, product)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(application=application, actor=customer.user, credit_check_consent=True)
    _age(application, minutes=60)
    request_pk = LoanApplication.objects.get(pk=application.pk).scoring_request_id
    # The same pending request enqueued twice (two windows): risk decides it once
    with django_capture_on_commit_callbacks(execute=False):
        services.applications_requeue_stuck()
    later = timezone.now() + dt.timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        services.applications_requeue_stuck(now=later)
    from risk import tasks as risk_tasks

    assert risk_tasks.score_request.apply(args=[request_pk]).get() == "scored"
    assert Decision.objects.filter(request_id=request_pk).count() == 1
    assert ScoringRequest.objects.count() == 1
    application.refresh_from_db()
    assert application.state == State.APPROVED


def test_requeue_stuck_starts_scoring_of_an_application_left_submitted(
    risk_ready, customer, product, django_capture_on_commit_callbacks
):
    application = in_state(State.SUBMITTED, customer, product, submitted_at=timezone.now())
    _age(application)
    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.requeue_stuck.apply().get()
    assert counts["started"] == 1
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert ScoringRequest.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck.apply().get()["started"] == 0
    assert ScoringRequest.objects.count() == 1


def test_requeue_stuck_retries_a_failed_request(
    risk_ready, customer, product, django_capture_on_commit_callbacks
):
    from risk import services as risk_services
    from risk.scorecard.model import ArtifactError

    application = draft(customer, product)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(application=application, actor=customer.user, credit_check_consent=True)
    request = LoanApplication.objects.get(pk=application.pk).scoring_request
    # Given the champion was missing when the worker ran: the request failed, the app still scoring
    risk_services.model_retire(model=risk_ready, actor=_analyst(), reason="broken")
    with pytest.raises(ArtifactError):
        risk_services.scoring_request_process(request_id=request.pk)
    request.refresh_from_db()
    application.refresh_from_db()
    assert (request.state, application.state) == ("failed", State.SCORING)
    assert "risk scoring failed" in application.events.order_by("-id").first().reason
    # When a new champion is in place and the beat task runs
    _new_champion()
    _age(application)
    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.requeue_stuck.apply().get()
    assert counts["retried"] == 1
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert Decision.objects.count() == 1


def _analyst():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="analyst")


def _new_champion():
    from django.contrib.auth import get_user_model

    from risk import services as risk_services
    from risk.models import ScoreModel
    from tests.risk.factories import signed_assessment

    retired = ScoreModel.objects.get()
    users = get_user_model().objects
    candidate = ScoreModel.objects.create(
        version=retired.version + 1,
        dataset=retired.dataset,
        binner=retired.binner,
        seed=retired.seed,
        artifact=retired.artifact,
        artifact_sha256=retired.artifact_sha256,
        training_data_sha256=retired.training_data_sha256,
        features=retired.features,
        trained_by=users.get(username="analyst"),
    )
    signed_assessment(candidate, author=users.get(username="analyst"), signer=users.get(username="analyst2"))
    risk_services.model_promote(model=candidate, actor=users.get(username="analyst2"))
