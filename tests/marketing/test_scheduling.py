"""Scheduled and recurring campaigns (marketing.scheduling): a draft is launched by the beat task
once its time has come, as the user who scheduled it, and only once however many runs overlap; a
recurring campaign drafts its next wave at each launch until its last day; a scheduler who lost
the right to launch launches nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core import mail
from rest_framework.test import APIClient

from loanhub import clock, roles
from marketing import scheduling, services, tasks
from marketing.errors import MarketingInvalid
from marketing.models import Campaign, CampaignState, Recipient, Segment
from tests.marketing.conftest import consenting

pytestmark = pytest.mark.django_db


def _draft(manager, name="Weekly") -> Campaign:
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    return services.campaign_create(
        actor=manager,
        name=name,
        segment=segment,
        channels=["email"],
        template_zh="{{ name }} {{ link }}",
        template_en="Hello {{ name }} {{ link }}",
    )


def _run_at(moment: dt.datetime, capture) -> list[int]:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return tasks.launch_due_campaigns.delay().get()


def test_a_scheduled_draft_is_launched_once_when_its_time_has_come(
    manager, django_capture_on_commit_callbacks
):
    consenting("email", region="杭州", email="a@example.com")
    send_at = clock.now() + dt.timedelta(hours=2)
    campaign = scheduling.campaign_schedule(campaign=_draft(manager), actor=manager, send_at=send_at)
    assert campaign.scheduled_by == manager
    # Before its time: nothing
    assert _run_at(send_at - dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == []
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.DRAFT
    # At its time: launched, sent once; a second run (a duplicated beat message) launches nothing
    assert _run_at(send_at, django_capture_on_commit_callbacks) == [campaign.pk]
    assert _run_at(send_at + dt.timedelta(minutes=5), django_capture_on_commit_callbacks) == []
    launched = Campaign.objects.get(pk=campaign.pk)
    assert launched.state == CampaignState.LAUNCHED
    assert launched.events.get().actor == manager
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert not Campaign.objects.filter(wave_of=campaign).exists()  # not recurring: no next wave


def test_a_recurring_campaign_sends_a_wave_every_n_days_until_its_last_day(
    manager, settings, django_capture_on_commit_callbacks
):
    settings.MARKETING_FREQUENCY_CAP_DAYS = 0
    consenting("email", region="杭州", email="a@example.com")
    first_at = clock.now() + dt.timedelta(hours=1)
    last_day = (first_at + dt.timedelta(days=15)).date()
    first = scheduling.campaign_schedule(
        campaign=_draft(manager), actor=manager, send_at=first_at, repeat_every_days=7, repeat_until=last_day
    )
    for wave in range(3):
        assert _run_at(first_at + dt.timedelta(days=7 * wave), django_capture_on_commit_callbacks)
    # A fourth wave would go out after the last day: none is drafted
    assert _run_at(first_at + dt.timedelta(days=21), django_capture_on_commit_callbacks) == []
    waves = list(Campaign.objects.filter(wave_of=first).order_by("send_at"))
    assert [w.send_at for w in waves] == [first_at + dt.timedelta(days=7), first_at + dt.timedelta(days=14)]
    assert [w.name for w in waves] == ["Weekly #2", "Weekly #3"]
    assert {w.state for w in waves} == {CampaignState.LAUNCHED}
    assert {(w.segment_id, tuple(w.channels), w.template_en) for w in waves} == {
        (first.segment_id, ("email",), first.template_en)
    }
    assert Recipient.objects.filter(campaign__in=[first, *waves]).count() == 3
    assert len(mail.outbox) == 3


def test_a_scheduler_who_lost_the_right_launches_nothing(manager, django_capture_on_commit_callbacks):
    consenting("email", region="杭州", email="a@example.com")
    send_at = clock.now() + dt.timedelta(hours=1)
    campaign = scheduling.campaign_schedule(campaign=_draft(manager), actor=manager, send_at=send_at)
    manager.groups.set([Group.objects.get(name=roles.LOAN_OFFICER)])  # moved to another job
    assert _run_at(send_at, django_capture_on_commit_callbacks) == []
    row = Campaign.objects.get(pk=campaign.pk)
    assert (row.state, row.send_at) == (CampaignState.DRAFT, None)  # left for a person, unscheduled
    assert mail.outbox == []
    assert not Recipient.objects.exists()


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"send_at": -1}, "send_at"),
        ({"send_at": 1, "repeat_every_days": 7}, "repeat_until"),
        ({"send_at": 1, "repeat_until": 3}, "repeat_every_days"),
        ({"send_at": 1, "repeat_every_days": 0, "repeat_until": 3}, "repeat_every_days"),
        ({"send_at": 1, "repeat_every_days": 7, "repeat_until": -2}, "repeat_until"),
        ({"send_at": 1, "repeat_every_days": 7, "repeat_until": 400}, "repeat_until"),
        ({"repeat_every_days": 7, "repeat_until": 3}, "send_at"),
    ],
)
def test_a_bad_schedule_names_its_field_and_creates_nothing(manager, schedule, field):
    """Days are counted from now (`send_at`) and from the first wave's day (`repeat_until`)."""
    send_at = clock.now() + dt.timedelta(days=schedule.get("send_at", 0))
    values = {
        "send_at": send_at if "send_at" in schedule else None,
        "repeat_every_days": schedule.get("repeat_every_days"),
        "repeat_until": (send_at.date() + dt.timedelta(days=schedule["repeat_until"]))
        if "repeat_until" in schedule
        else None,
    }
    with pytest.raises(MarketingInvalid) as raised:
        scheduling.campaign_schedule(campaign=_draft(manager), actor=manager, **values)
    assert field in raised.value.errors
    segment = Segment.objects.create(name="Any", rules={})
    client = APIClient()
    client.force_authenticate(manager)
    body = {
        "name": "Later",
        "segment": segment.pk,
        "channels": ["email"],
        "template_zh": "{{ link }}",
        "template_en": "{{ link }}",
        **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()},
    }
    before = Campaign.objects.count()
    response = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Campaign.objects.count() == before


def test_the_api_creates_a_scheduled_campaign_and_beat_runs_the_task(manager):
    segment = Segment.objects.create(name="Any", rules={})
    client = APIClient()
    client.force_authenticate(manager)
    send_at = clock.now() + dt.timedelta(days=1)
    body = {
        "name": "Monthly",
        "segment": segment.pk,
        "channels": ["email"],
        "template_zh": "{{ link }}",
        "template_en": "{{ link }}",
        "send_at": send_at.isoformat(),
        "repeat_every_days": 30,
        "repeat_until": (send_at + dt.timedelta(days=90)).date().isoformat(),
    }
    response = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get(pk=response.json()["id"])
    assert (campaign.send_at, campaign.repeat_every_days, campaign.scheduled_by) == (send_at, 30, manager)
    assert response.json()["repeat_every_days"] == 30
    beat = django_settings.CELERY_BEAT_SCHEDULE["marketing-launch-due-campaigns"]
    assert beat["task"] == tasks.launch_due_campaigns.name
