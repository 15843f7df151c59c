"""Pilots (试点): a campaign limited to regions, channels or a share of its audience reaches only
its pilot group; the other eligible members are its control (sent nothing, offered nothing), and
the funnel shows the pilot beside the control."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from rest_framework.test import APIClient

from applications.models import State
from loanhub import clock
from marketing import selectors, services
from marketing.errors import MarketingInvalid
from marketing.models import Campaign, Recipient, Segment
from products import choices as pc
from tests.applications.conftest import in_state
from tests.marketing.conftest import consenting
from tests.products.factories import PromotionFactory, version_in

pytestmark = pytest.mark.django_db


def _campaign(manager, *, rules=None, channels=("email",), **kwargs) -> Campaign:
    segment = Segment.objects.create(name="Zhejiang", rules=rules or {"regions": ["杭州", "宁波"]})
    return services.campaign_create(
        actor=manager,
        name="Pilot",
        segment=segment,
        channels=list(channels),
        template_zh="{{ name }} {{ link }}",
        template_en="Hello {{ name }} {{ link }}",
        **kwargs,
    )


def _launch(manager, campaign, capture) -> Campaign:
    with capture(execute=True):
        return services.campaign_launch(campaign=campaign, actor=manager)


def _groups(campaign) -> dict[str, set[int]]:
    groups: dict[str, set[int]] = {"pilot": set(), "control": set()}
    for cid, group in Recipient.objects.filter(campaign=campaign).values_list("customer_id", "pilot_group"):
        groups[group].add(cid)
    return groups


def test_a_region_pilot_reaches_only_its_region_and_keeps_the_rest_as_control(
    manager, django_capture_on_commit_callbacks
):
    since = clock.today() - dt.timedelta(days=1)
    product = version_in(pc.ProductStatus.ACTIVE, product__code="CASH", available_from=since)
    promotion = PromotionFactory(
        version=product,
        code="pilot50",
        discount_bps=50,
        segments=[pc.invitation("pilot50")],
        starts_on=since,
        ends_on=clock.today() + dt.timedelta(days=30),
    )
    hz = [consenting("email", region="杭州", email=f"hz{n}@example.com") for n in range(2)]
    nb = [consenting("email", region="宁波", email=f"nb{n}@example.com") for n in range(2)]
    consenting(region="杭州")  # no consent: neither pilot nor control
    campaign = _campaign(manager, pilot_regions=["杭州"], promotion=promotion)

    campaign = _launch(manager, campaign, django_capture_on_commit_callbacks)

    assert _groups(campaign) == {"pilot": {c.pk for c in hz}, "control": {c.pk for c in nb}}
    assert campaign.skipped == {"no_consent": 1, "frequency_cap": 0, "pilot_control": 2}
    assert sorted(m.to[0] for m in mail.outbox) == ["hz0@example.com", "hz1@example.com"]
    # The pilot's offer is the pilot's only.
    assert selectors.customer_invitations(customer_id=hz[0].pk) == ["pilot50"]
    assert selectors.customer_invitations(customer_id=nb[0].pk) == []


def test_a_channel_pilot_sends_only_on_its_channels(manager, django_capture_on_commit_callbacks):
    both = consenting("email", "sms", region="杭州", email="both@example.com")
    email_only = consenting("email", region="杭州", email="e@example.com")
    campaign = _campaign(manager, channels=("email", "sms"), pilot_channels=["sms"])

    campaign = _launch(manager, campaign, django_capture_on_commit_callbacks)

    assert _groups(campaign) == {"pilot": {both.pk}, "control": {email_only.pk}}
    assert Recipient.objects.get(campaign=campaign, customer=both).channels == ["sms"]
    assert mail.outbox == []  # the pilot sends no e-mail


def test_a_share_pilot_draws_a_stable_bucket_per_customer(manager, django_capture_on_commit_callbacks):
    members = [consenting("email", region="杭州") for _ in range(40)]
    campaign = _campaign(manager, pilot_share=25)

    campaign = _launch(manager, campaign, django_capture_on_commit_callbacks)

    def bucket(cid: int) -> int:
        digest = hashlib.sha256(f"pilot:{campaign.pk}:{cid}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % 100

    expected = {c.pk for c in members if bucket(c.pk) < 25}
    assert _groups(campaign) == {"pilot": expected, "control": {c.pk for c in members} - expected}
    assert 0 < len(expected) < 40
    # Stable: asking again gives the same answer for every member.
    assert {
        c.pk for c in members if services.in_pilot(campaign, c.pk, region="杭州", channels=["email"])
    } == expected


def test_the_funnel_shows_the_pilot_beside_its_control(manager, auditor, django_capture_on_commit_callbacks):
    product = version_in(
        pc.ProductStatus.ACTIVE, product__code="CASH", available_from=clock.today() - dt.timedelta(days=1)
    )
    hz = [consenting("email", region="杭州") for _ in range(2)]
    nb = [consenting("email", region="宁波") for _ in range(4)]
    campaign = _launch(
        manager,
        _campaign(manager, pilot_regions=["杭州"], cost=Decimal("100")),
        django_capture_on_commit_callbacks,
    )
    later = clock.now() + dt.timedelta(minutes=5)
    # One pilot member and one control member apply after the launch; the pilot's is approved.
    in_state(State.APPROVED, hz[0], product, submitted_at=later, approved_at=later)
    in_state(State.SUBMITTED, nb[0], product, submitted_at=later)

    funnel = selectors.campaign_funnel(campaign=Campaign.objects.get(pk=campaign.pk))

    pilot = {s["stage"]: (s["count"], s["share_of_group"]) for s in funnel["pilot"]["pilot"]}
    control = {s["stage"]: (s["count"], s["share_of_group"]) for s in funnel["pilot"]["control"]}
    assert pilot["reached"] == (2, 1.0)
    assert pilot["applied"] == (1, 0.5)
    assert pilot["approved"] == (1, 0.5)
    assert control["reached"] == (4, 1.0)
    assert control["applied"] == (1, 0.25)
    assert control["approved"] == (0, 0.0)
    assert funnel["pilot"]["randomised"] is False
    # The campaign's own funnel is the pilot's (the control was not messaged).
    assert [s["count"] for s in funnel["stages"]][:4] == [2, 0, 0, 1]

    api = APIClient()
    api.force_authenticate(auditor)
    rows = api.get("/api/v1/marketing/funnel/", {"by": "pilot"}).json()
    assert [(r["key"], r["stages"][0]["count"], r["stages"][3]["count"]) for r in rows] == [
        (f"{campaign.pk}:control", 4, 1),
        (f"{campaign.pk}:pilot", 2, 1),
    ]
    body = api.get(f"/api/v1/marketing/campaigns/{campaign.pk}/funnel/").json()
    assert body["pilot"]["pilot"][3]["count"] == 1

    page = _admin_page(manager, campaign)
    assert "Pilot and control" in page
    assert 'class="pilot-count">2<' in page
    assert 'class="control-count">4<' in page
    assert "not a random one" in page


def _admin_page(user, campaign) -> str:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(f"/admin/marketing/campaign/{campaign.pk}/funnel/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_campaign_that_is_no_pilot_has_no_pilot_funnel(manager, django_capture_on_commit_callbacks):
    consenting("email", region="杭州")
    campaign = _launch(manager, _campaign(manager), django_capture_on_commit_callbacks)

    assert selectors.campaign_funnel(campaign=campaign)["pilot"] is None
    assert set(Recipient.objects.filter(campaign=campaign).values_list("pilot_group", flat=True)) == {""}


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"pilot_channels": ["sms"]}, "pilot_channels"),  # not one of the campaign's channels
        ({"pilot_share": 0}, "pilot_share"),
        ({"pilot_share": 101}, "pilot_share"),
        ({"pilot_regions": [""]}, "pilot_regions"),
    ],
)
def test_bad_pilot_limits_are_refused_and_nothing_is_created(manager, limits, field):
    with pytest.raises(MarketingInvalid) as refused:
        _campaign(manager, **limits)
    assert field in refused.value.errors
    assert not Campaign.objects.exists()


def test_the_api_takes_and_returns_the_pilot_limits(manager):
    segment = Segment.objects.create(name="Zhejiang", rules={"regions": ["杭州"]})
    api = APIClient()
    api.force_authenticate(manager)
    body = {
        "name": "API pilot",
        "segment": segment.pk,
        "channels": ["email", "sms"],
        "template_zh": "{{ name }}",
        "template_en": "{{ name }}",
        "pilot_regions": ["杭州"],
        "pilot_channels": ["sms"],
        "pilot_share": 10,
    }
    created = api.post("/api/v1/marketing/campaigns/", body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["pilot_regions"], created.json()["pilot_share"]) == (["杭州"], 10)
    refused = api.post("/api/v1/marketing/campaigns/", {**body, "pilot_share": 0}, format="json")
    assert refused.status_code == 400
    assert "pilot_share" in refused.json()["errors"] or "pilot_share" in str(refused.json())
