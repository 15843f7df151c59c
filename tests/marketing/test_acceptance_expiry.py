"""An accepted offer not paid out within LOANHUB_ACCEPTANCE_EXPIRY_DAYS lapses: the system moves it
offer_accepted → offer_expired with an event, the reward points redeemed on it come back exactly
once (applications.hooks.acceptance_released), and the customer is told once — however many times
the beat job runs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from applications import services, tasks
from applications.models import LoanApplication, State
from loanhub import clock
from loanhub.errors import Forbidden
from loanhub.transitions import run_transition
from marketing.rewards.models import EntryKind, PointsEntry
from notifications.event_templates import ensure_event_templates
from notifications.models import Message
from tests.applications.conftest import product, users  # noqa: F401
from tests.marketing.test_rewards_offer import approved, rule  # noqa: F401
from tests.marketing.test_rewards_preview_refund import _accept, _lot, _remaining


@pytest.fixture
def days(settings):
    settings.LOANHUB_ACCEPTANCE_EXPIRY_DAYS = 10
    ensure_event_templates()
    return 10


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def test_an_accepted_offer_lapses_after_the_days_and_its_points_come_back_once(
    approved,  # noqa: F811
    rule,  # noqa: F811
    days,
    django_capture_on_commit_callbacks,
):
    customer = approved.customer
    soon = _lot(customer, 100, expires_in_days=200)
    later = _lot(customer, 300, expires_in_days=300)
    accepted = _accept(approved, 250)
    assert _remaining(customer) == {soon.pk: 0, later.pk: 150}
    deadline = accepted.offer_accepted_at + dt.timedelta(days=days)

    # One second before the deadline nothing lapses.
    with _at(deadline - dt.timedelta(seconds=1)):
        assert tasks.expire_acceptances.run() == 0
    assert LoanApplication.objects.get(pk=accepted.pk).state == State.OFFER_ACCEPTED
    assert not PointsEntry.objects.filter(kind=EntryKind.REFUND).exists()

    with _at(deadline), django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_acceptances.run() == 1
        # The beat job runs again (a second delivery, the next hour): nothing more happens.
        assert tasks.expire_acceptances.run() == 0

    expired = LoanApplication.objects.get(pk=accepted.pk)
    assert expired.state == State.OFFER_EXPIRED
    event = expired.events.order_by("-id").first()
    assert (event.from_state, event.to_state, event.actor_id) == (
        State.OFFER_ACCEPTED,
        State.OFFER_EXPIRED,
        None,
    )
    assert event.reason == "accepted offer not paid out in time"
    refunds = PointsEntry.objects.filter(kind=EntryKind.REFUND)
    assert [(r.points, r.application_id) for r in refunds] == [(250, accepted.pk)]
    assert _remaining(customer) == {soon.pk: 100, later.pk: 300}
    notices = Message.objects.filter(dedupe_key__startswith=f"acceptance-expired:{accepted.pk}:")
    assert notices.filter(channel="portal").count() == 1  # once, though the job ran twice
    assert "lapsed" in notices.get(channel="portal").subject


def test_a_disbursed_or_withdrawn_application_is_left_alone(approved, rule, days):  # noqa: F811
    _lot(approved.customer, 100, expires_in_days=200)
    accepted = _accept(approved, 100)
    services.application_withdraw(application=accepted, actor=approved.customer.user)

    with _at(clock.now() + dt.timedelta(days=days + 1)):
        assert services.acceptances_expire() == 0

    assert LoanApplication.objects.get(pk=accepted.pk).state == State.WITHDRAWN
    assert PointsEntry.objects.filter(kind=EntryKind.REFUND).count() == 1  # the withdrawal's only
    assert not Message.objects.filter(dedupe_key__startswith="acceptance-expired:").exists()


def test_only_the_system_may_expire_an_acceptance(approved, users):  # noqa: F811
    accepted = _accept(approved, 0)

    for person in (accepted.customer.user, users["officer"]):
        with pytest.raises(Forbidden):
            run_transition(accepted, "expire_acceptance", actor=person)
        assert LoanApplication.objects.get(pk=accepted.pk).state == State.OFFER_ACCEPTED
    assert not accepted.events.filter(to_state=State.OFFER_EXPIRED).exists()


def test_the_beat_schedule_runs_the_job_on_the_default_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["applications-expire-acceptances"]
    assert entry["task"] == "applications.tasks.expire_acceptances"
    assert not any(
        "applications.tasks" in pattern for pattern in settings.CELERY_TASK_ROUTES
    )  # applications' jobs run on the default queue
