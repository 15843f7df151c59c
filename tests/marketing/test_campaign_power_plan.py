"""A draft campaign with experiment arms shows its power plan on its admin page before launch:
the minimum detectable effect, the members needed (marketing.stats.sample_size_per_arm), the
audience now and whether it is enough, and the smallest effect that audience can detect."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from loanhub.formatting import percent_text
from marketing import experiment_plan, services, stats
from marketing.models import Segment
from tests.marketing.conftest import consenting

pytestmark = pytest.mark.django_db


def _campaign(manager, arms=("a", "b")):
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    return services.campaign_create(
        actor=manager,
        name="A/B",
        segment=segment,
        channels=["email"],
        template_zh="{{ name }}",
        template_en="{{ name }}",
        experiment_arms=[{"name": name} for name in arms] if arms else None,
    )


def _cell(html: str, css: str) -> str:
    start = html.index(f'class="{css}">') + len(f'class="{css}">')
    return html[start : html.index("</td>", start)]


def test_the_plan_renders_with_the_services_numbers(client, manager):
    for _ in range(5):
        consenting("email", region="杭州")
    consenting(region="杭州")  # no consent: not in the audience
    campaign = _campaign(manager, arms=("a", "b", "holdout"))
    client.force_login(manager)

    page = client.get(
        f"/admin/marketing/campaign/{campaign.pk}/change/", {"baseline": "0.1", "mde": "0.05"}
    ).content.decode()

    per_arm = stats.sample_size_per_arm(0.1, 0.05)
    assert 'id="power-plan"' in page
    assert _cell(page, "plan-baseline") == percent_text(Decimal("0.1"))
    assert percent_text(Decimal("0.05")) in _cell(page, "plan-mde")
    assert _cell(page, "plan-per-arm") == str(per_arm)
    assert _cell(page, "plan-total").startswith(f"{per_arm * 3} over 3 arms")
    assert _cell(page, "plan-audience") == "5"
    assert _cell(page, "plan-enough").startswith("No")
    # Five members, one per arm: not even the largest effect is detectable.
    assert experiment_plan.smallest_detectable_effect(0.1, 5 // 3) is None
    assert "too small" in _cell(page, "plan-smallest")


def test_a_big_enough_audience_and_the_smallest_effect_it_detects(manager):
    campaign = _campaign(manager)
    plan = experiment_plan.campaign_power_plan(campaign, {"baseline": "0.2", "mde": "0.4"})
    assert plan["per_arm"] == stats.sample_size_per_arm(0.2, 0.4)
    smallest = experiment_plan.smallest_detectable_effect(0.2, 400)
    # The service's sizes bracket it: 400 per arm detect it, not 0.0001 less.
    assert stats.sample_size_per_arm(0.2, smallest) <= 400 < stats.sample_size_per_arm(0.2, smallest - 0.0001)


def test_bad_inputs_are_reported_and_the_defaults_used_and_no_plan_without_arms(client, manager):
    campaign = _campaign(manager)
    client.force_login(manager)
    page = client.get(
        f"/admin/marketing/campaign/{campaign.pk}/change/", {"baseline": "0.9", "mde": "0.5"}
    ).content.decode()
    assert "baseline + mde must stay below 1." in page
    default = stats.sample_size_per_arm(experiment_plan.DEFAULT_BASELINE, experiment_plan.DEFAULT_MDE)
    assert _cell(page, "plan-per-arm") == str(default)

    plain = _campaign(manager, arms=None)
    assert (
        'id="power-plan"' not in client.get(f"/admin/marketing/campaign/{plain.pk}/change/").content.decode()
    )


def test_the_plan_in_chinese(client, manager):
    campaign = _campaign(manager)
    client.force_login(manager)
    with translation.override("zh-hans"):
        page = client.get(
            f"/admin/marketing/campaign/{campaign.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "上线前的检验功效规划" in page
    assert "Members needed" not in page
