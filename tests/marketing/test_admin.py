"""The marketing admin: managers add campaigns (bad channels and placeholders refused) and launch
them; auditors read."""

from __future__ import annotations

import pytest

from marketing.models import Campaign, CampaignState, Segment
from tests.marketing.conftest import consenting

pytestmark = pytest.mark.django_db


def _form(segment: Segment, **overrides) -> dict:
    data = {
        "name": "Admin campaign",
        "segment": segment.pk,
        "channels": '["email"]',
        "subject_zh": "",
        "subject_en": "",
        "template_zh": "{{ name }}",
        "template_en": "{{ name }}",
        "landing_path": "/products/",
        "cost": "",
        "experiment-TOTAL_FORMS": "0",
        "experiment-INITIAL_FORMS": "0",
        "experiment-MIN_NUM_FORMS": "0",
        "experiment-MAX_NUM_FORMS": "1",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_manager_adds_and_launches_a_campaign_in_the_admin(
    client, manager, django_capture_on_commit_callbacks
):
    consenting("email", region="杭州")
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    client.force_login(manager)
    refused = client.post(
        "/admin/marketing/campaign/add/", _form(segment, channels='["fax"]', template_zh="{% x %}")
    )
    assert refused.status_code == 200
    assert not Campaign.objects.exists()
    assert client.post("/admin/marketing/campaign/add/", _form(segment)).status_code == 302
    campaign = Campaign.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/marketing/campaign/",
            {"action": "launch", "_selected_action": [campaign.pk]},
        )
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.LAUNCHED
    assert campaign.recipients.count() == 1


def test_auditor_reads_campaigns_but_may_not_add(client, auditor, manager):
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    client.force_login(auditor)
    assert client.get("/admin/marketing/campaign/").status_code == 200
    assert client.post("/admin/marketing/campaign/add/", _form(segment)).status_code == 403
    assert not Campaign.objects.exists()
