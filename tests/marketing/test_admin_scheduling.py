"""The campaign admin schedules through marketing.scheduling.campaign_schedule: the scheduler is
recorded (the beat task launches as them), taking the schedule off clears it; the schedule's field
names and a wave's copied fields come from one place each."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from loanhub import clock
from marketing import scheduling
from marketing.campaign_forms import CampaignForm
from marketing.models import Campaign, CampaignState, Segment
from tests.marketing.conftest import consenting
from tests.marketing.test_admin import _form

pytestmark = pytest.mark.django_db


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def test_scheduling_in_the_admin_records_the_scheduler_and_the_beat_launches_as_them(
    client, manager, django_capture_on_commit_callbacks
):
    member = consenting("email", region="杭州")
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    send_at = (clock.now() + dt.timedelta(days=1)).replace(microsecond=0, second=0)
    until = timezone.localdate(send_at) + dt.timedelta(days=20)
    client.force_login(manager)

    response = client.post(
        "/admin/marketing/campaign/add/",
        _form(
            segment,
            send_at_0=_local(send_at)[:10],
            send_at_1=_local(send_at)[11:],
            repeat_every_days="7",
            repeat_until=until.isoformat(),
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get()
    assert (campaign.send_at, campaign.repeat_every_days, campaign.repeat_until) == (send_at, 7, until)
    assert campaign.scheduled_by == manager  # was left empty: the beat could not launch it
    assert campaign.created_by == manager

    with time_machine.travel(send_at + dt.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert scheduling.campaigns_launch_due() == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.LAUNCHED
    assert list(campaign.recipients.values_list("customer_id", flat=True)) == [member.pk]
    wave = Campaign.objects.get(wave_of=campaign)
    assert wave.send_at == send_at + dt.timedelta(days=7)


def test_taking_the_schedule_off_in_the_admin_clears_it(client, manager):
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    client.force_login(manager)
    send_at = clock.now() + dt.timedelta(days=2)
    client.post(
        "/admin/marketing/campaign/add/",
        _form(segment, send_at_0=_local(send_at)[:10], send_at_1=_local(send_at)[11:]),
    )
    campaign = Campaign.objects.get()
    assert campaign.scheduled_by == manager

    response = client.post(
        f"/admin/marketing/campaign/{campaign.pk}/change/", _form(segment, send_at_0="", send_at_1="")
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.send_at, campaign.scheduled_by) == (None, None)


def test_a_past_send_time_is_a_field_error_and_saves_nothing(client, manager):
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    client.force_login(manager)
    past = clock.now() - dt.timedelta(hours=1)
    response = client.post(
        "/admin/marketing/campaign/add/",
        _form(segment, send_at_0=_local(past)[:10], send_at_1=_local(past)[11:]),
    )
    assert response.status_code == 200
    assert "send_at" in response.context["adminform"].form.errors
    assert not Campaign.objects.exists()


def test_the_field_names_come_from_one_place():
    assert scheduling.SCHEDULE_FIELDS == ("send_at", "repeat_every_days", "repeat_until")
    assert set(scheduling.SCHEDULE_FIELDS) <= set(CampaignForm.Meta.fields)
    form_fields = [f for f in CampaignForm.Meta.fields if f not in ("name", "send_at")]
    assert list(scheduling.WAVE_FIELDS) == [*form_fields, "scheduled_by", "created_by"]
    assert "name" not in scheduling.WAVE_FIELDS
