"""Reward points for a campaign action (积分奖励): a member the campaign messaged who applies after
being reached earns its `reward_points` once, as a lot with the usual expiry; the pilot's control,
non-members and those who applied before being reached earn nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import hooks
from applications.models import State
from loanhub import clock
from marketing import services
from marketing.errors import MarketingInvalid
from marketing.models import Segment
from marketing.rewards import services as rewards
from marketing.rewards.models import EntryKind, PointsEntry
from products import choices as pc
from tests.applications.conftest import in_state
from tests.marketing.conftest import consenting
from tests.products.factories import version_in

pytestmark = pytest.mark.django_db


def _campaign(manager, **kwargs):
    segment = Segment.objects.create(name="Zhejiang", rules={"regions": ["杭州", "宁波"]})
    return services.campaign_create(
        actor=manager,
        name="Apply and earn",
        segment=segment,
        channels=["email"],
        template_zh="{{ name }} {{ link }}",
        template_en="{{ name }} {{ link }}",
        **kwargs,
    )


def test_applying_after_the_campaign_earns_its_points_once(
    manager, settings, django_capture_on_commit_callbacks
):
    product = version_in(
        pc.ProductStatus.ACTIVE, product__code="CASH", available_from=clock.today() - dt.timedelta(days=1)
    )
    reached = consenting("email", region="杭州")
    control = consenting("email", region="宁波")
    early = consenting("email", region="杭州")
    outsider = consenting("email", region="上海")
    before = clock.now() - dt.timedelta(minutes=5)
    in_state(State.SUBMITTED, early, product, submitted_at=before)
    campaign = _campaign(manager, reward_points=150, pilot_regions=["杭州"])
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_launch(campaign=campaign, actor=manager)
    later = clock.now() + dt.timedelta(minutes=5)
    applications = {
        c: in_state(State.SUBMITTED, c, product, submitted_at=later) for c in (reached, control, outsider)
    }

    for application in applications.values():
        rewards.points_for_campaign_action(application=application)
    rewards.points_for_campaign_action(application=applications[reached])  # delivered twice
    early_application = early.applications.get()
    rewards.points_for_campaign_action(application=early_application)

    entries = PointsEntry.objects.filter(kind=EntryKind.EARN_CAMPAIGN)
    assert [(e.account.customer_id, e.points, e.application_id) for e in entries] == [
        (reached.pk, 150, applications[reached].pk)
    ]
    lot = entries.get()
    assert lot.expires_on == clock.today() + dt.timedelta(days=settings.LOANHUB_POINTS_EXPIRY_DAYS)
    assert rewards.points_for_campaign_action in hooks._submitted


def test_a_campaign_without_points_earns_nothing_and_bad_points_are_refused(manager):
    with pytest.raises(MarketingInvalid) as caught:
        _campaign(manager, reward_points=-1)
    assert "reward_points" in caught.value.errors
    assert _campaign(manager).reward_points == 0
