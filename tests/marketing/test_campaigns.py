"""Segments and campaigns: who is selected, who is reached (only with consent), sent once,
capped, with stable experiment arms; the API's permissions and answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from rest_framework.test import APIClient

from customers import marketing_consent
from customers.models import CustomerType
from loanhub import clock
from marketing import rules, services
from marketing.errors import MarketingForbidden, MarketingInvalid
from marketing.models import Campaign, CampaignState, Recipient, Segment, Touch
from notifications.backends import LocmemSmsBackend
from notifications.models import Message
from tests.customers.factories import CustomerFactory
from tests.marketing.conftest import consenting

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _segment(**rule_set) -> Segment:
    return Segment.objects.create(name="test", rules=rule_set or {"regions": ["杭州"]})


def _campaign(manager, segment, channels=("email",), **kwargs) -> Campaign:
    return services.campaign_create(
        actor=manager,
        name="Spring",
        segment=segment,
        channels=list(channels),
        template_zh="{{ name }}，您好 {{ link }}",
        template_en="Hello {{ name }} {{ link }}",
        **kwargs,
    )


def _launch(manager, campaign, capture):
    with capture(execute=True):
        return services.campaign_launch(campaign=campaign, actor=manager)


def test_presets_ship_with_the_app():
    assert set(Segment.objects.exclude(preset="").values_list("preset", flat=True)) == set(rules.PRESETS)


def test_rules_select_by_attributes():
    young = CustomerFactory(region="杭州", date_of_birth=clock.today() - relativedelta(years=25))
    CustomerFactory(region="杭州", date_of_birth=dt.date(1950, 1, 1))
    CustomerFactory(region="北京", date_of_birth=young.date_of_birth)
    rich = CustomerFactory(region="杭州", date_of_birth=dt.date(1950, 1, 1), monthly_income=Decimal("200000"))
    business = CustomerFactory(customer_type=CustomerType.SMALL_BUSINESS, uscc="91330100MA27XXXX1X")
    assert rules.evaluate({"regions": ["杭州"], "age_min": 22, "age_max": 35}) == [young.pk]
    assert rules.evaluate({"tags": ["high_net_worth"]}) == [rich.pk]
    assert rules.evaluate(Segment.objects.get(preset="sme").rules) == [business.pk]
    assert rules.evaluate({"has_loan": True}) == []


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"colour": ["red"]}, "colour"),
        ({"customer_types": ["alien"]}, "customer_types"),
        ({"age_min": -1}, "age_min"),
        ({"income_min": "lots"}, "income_min"),
        ({"has_loan": "yes"}, "has_loan"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_saved(manager, bad, field):
    before = Segment.objects.count()
    with pytest.raises(MarketingInvalid) as caught:
        services.segment_create(actor=manager, name="x", rules=bad)
    assert field in caught.value.errors
    assert Segment.objects.count() == before


def test_campaign_reaches_only_consenting_members_on_their_consented_channels(
    manager, django_capture_on_commit_callbacks
):
    both = consenting("email", "sms", region="杭州")
    email_only = consenting("email", region="杭州")
    consenting(region="杭州")  # no consent at all
    consenting("email", region="北京")  # not in the segment
    campaign = _campaign(manager, _segment(), channels=("email", "sms"))
    launched = _launch(manager, campaign, django_capture_on_commit_callbacks)
    assert launched.state == CampaignState.LAUNCHED
    assert launched.skipped == {"no_consent": 1, "frequency_cap": 0}
    reached = dict(Recipient.objects.filter(campaign=campaign).values_list("customer_id", "channels"))
    assert reached == {both.pk: ["email", "sms"], email_only.pk: ["email"]}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([both.email, email_only.email])
    assert [s["to"] for s in LocmemSmsBackend.outbox] == [both.phone]
    assert "Unsubscribe: http" in mail.outbox[0].body  # one-click unsubscribe in every message
    assert Touch.objects.filter(campaign=campaign, kind="message").count() == 3


def test_unsubscribe_after_launch_is_honoured_by_the_send(manager, django_capture_on_commit_callbacks):
    customer = consenting("email", region="杭州")
    campaign = _campaign(manager, _segment())
    services.campaign_launch(campaign=campaign, actor=manager)  # the send has not run yet
    token = marketing_consent.marketing_unsubscribe_token(customer=customer, channel="email")
    marketing_consent.marketing_unsubscribe(token=token)
    assert services.campaign_send(campaign_id=campaign.pk) == 0
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_a_second_send_sends_nothing_more(manager, django_capture_on_commit_callbacks):
    consenting("email", "portal", region="杭州")
    campaign = _campaign(manager, _segment(), channels=("email", "portal"))
    _launch(manager, campaign, django_capture_on_commit_callbacks)
    assert Message.objects.count() == 2
    assert services.campaign_send(campaign_id=campaign.pk) == 0
    assert Message.objects.count() == 2
    assert len(mail.outbox) == 1


def test_launching_twice_is_a_conflict_and_changes_nothing(manager, django_capture_on_commit_callbacks):
    consenting("email", region="杭州")
    campaign = _campaign(manager, _segment())
    _launch(manager, campaign, django_capture_on_commit_callbacks)
    response = _api(manager).post(f"/api/v1/marketing/campaigns/{campaign.pk}/launch/")
    assert response.status_code == 409
    assert Recipient.objects.filter(campaign=campaign).count() == 1
    assert campaign.events.count() == 1


def test_frequency_cap_skips_members_reached_recently(manager, django_capture_on_commit_callbacks, settings):
    settings.MARKETING_FREQUENCY_CAP_DAYS = 7
    consenting("email", region="杭州")
    first = _campaign(manager, _segment())
    _launch(manager, first, django_capture_on_commit_callbacks)
    second = _launch(manager, _campaign(manager, _segment()), django_capture_on_commit_callbacks)
    assert second.skipped == {"no_consent": 0, "frequency_cap": 1}
    assert not Recipient.objects.filter(campaign=second).exists()
    assert len(mail.outbox) == 1


def test_experiment_arms_are_stable_and_holdouts_get_nothing(manager, django_capture_on_commit_callbacks):
    customers = [consenting("email", region="杭州") for _ in range(12)]
    arms = [{"name": "control", "holdout": True}, {"name": "B", "template_en": "Try it {{ name }}"}]
    campaign = _campaign(manager, _segment(), experiment_arms=arms)
    _launch(manager, campaign, django_capture_on_commit_callbacks)
    experiment = campaign.experiment
    by_arm = dict(Recipient.objects.filter(campaign=campaign).values_list("customer_id", "arm"))
    assert {c.pk: services.assign_arm(experiment, c.pk)["name"] for c in customers} == by_arm
    held = [cid for cid, arm in by_arm.items() if arm == "control"]
    assert len(mail.outbox) == len(customers) - len(held)
    assert all(m.body.startswith("Try it") for m in mail.outbox)


def test_only_marketing_managers_create_and_launch(officer, auditor, manager):
    segment = _segment()
    for user in (officer, auditor):
        with pytest.raises(MarketingForbidden):
            services.segment_create(actor=user, name="x", rules={})
        with pytest.raises(MarketingForbidden):
            _campaign(user, segment)
    campaign = _campaign(manager, segment)
    assert _api(auditor).post(f"/api/v1/marketing/campaigns/{campaign.pk}/launch/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT


def test_api_segment_create_preview_campaign_and_recipients(
    manager, auditor, django_capture_on_commit_callbacks
):
    customer = consenting("email", region="杭州", legal_name="张明")
    client = _api(manager)
    created = client.post(
        "/api/v1/marketing/segments/", {"name": "Hangzhou", "rules": {"regions": ["杭州"]}}, format="json"
    )
    assert created.status_code == 201
    segment_id = created.json()["id"]
    assert client.get(f"/api/v1/marketing/segments/{segment_id}/preview/").json() == {"count": 1}
    names = [row["name"] for row in _api(auditor).get("/api/v1/marketing/segments/").json()]
    assert "Hangzhou" in names
    assert "Young professionals" in names
    body = {
        "name": "Autumn",
        "segment": segment_id,
        "channels": ["email"],
        "template_zh": "{{ name }}",
        "template_en": "{{ name }}",
    }
    campaign = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert campaign.status_code == 201
    campaign_id = campaign.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/marketing/campaigns/{campaign_id}/launch/").status_code == 200
    recipients = _api(auditor).get(f"/api/v1/marketing/campaigns/{campaign_id}/recipients/").json()
    assert [(r["customer"], r["name"]) for r in recipients] == [(customer.pk, "张*")]


def test_api_campaign_with_bad_fields_is_refused(manager):
    client = _api(manager)
    body = {
        "name": "x",
        "segment": 999999,
        "channels": ["fax"],
        "template_zh": "{% bad %}",
        "template_en": "ok",
    }
    answer = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert answer.status_code == 400
    assert "channels" in answer.json()["errors"]
    body["channels"] = ["email"]
    answer = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert answer.status_code == 400
    assert "segment" in answer.json()["errors"]
    body["segment"] = _segment().pk
    answer = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert answer.status_code == 400
    assert "template_zh" in answer.json()["errors"]
    assert not Campaign.objects.exists()


def test_customers_and_anonymous_may_not_read_marketing():
    customer = CustomerFactory()
    assert _api(customer.user).get("/api/v1/marketing/campaigns/").status_code == 403
    assert APIClient().get("/api/v1/marketing/campaigns/").status_code == 401
