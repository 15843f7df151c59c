"""The marketing pages in a real browser (Playwright driving Debian's Chromium), in Chinese and in
English (issue 16): a marketing manager signs in to the admin and opens the segments, the
campaigns, a campaign's funnel and its experiment results, and the NPS report; a customer opens
/rewards/ and /marketing/feedback/. Each page shows its key figures, as the selectors compute
them. Screenshots are saved under var/screenshots/marketing-* (gitignored).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from applications.models import State
from loanhub import clock, roles
from marketing import selectors, services
from marketing.models import NpsSurvey, Recipient, Segment
from marketing.rewards import services as rewards
from marketing.rewards.models import EntryKind, PointsEntry
from tests.marketing.conftest import consenting
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "marketing-pass-2026"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CASES = [("zh-hans", "zh-CN"), ("en", "en-US")]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"marketing-{name}.png"), full_page=True)


def sign_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()


@pytest.fixture
def world():
    """A launched A/B campaign to six consenting customers in Hangzhou (two applied after it, one
    loan paid out), three NPS answers (10, 9, 3: NPS 33.3), and a customer with 150 points and a
    survey to answer."""
    manager = UserFactory(username="mm-browser", role=roles.MARKETING_MANAGER)
    manager.set_password(PASSWORD)
    manager.save()
    members = [consenting("portal", region="杭州") for _ in range(6)]
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    arms = [{"name": "A"}, {"name": "B", "template_en": "B {{ link }}", "template_zh": "B {{ link }}"}]
    campaign = services.campaign_create(
        actor=manager,
        name="Spring",
        segment=segment,
        channels=["portal"],
        template_zh="{{ link }}",
        template_en="{{ link }}",
        experiment_arms=arms,
        cost="600.00",
    )
    services.campaign_launch(campaign=campaign, actor=manager)
    campaign.refresh_from_db()
    assert Recipient.objects.filter(campaign=campaign).count() == 6
    later = clock.now() + dt.timedelta(minutes=5)
    ApplicationFactory(
        customer=members[0], state=State.DISBURSED, submitted_at=later, approved_at=later, disbursed_at=later
    )
    ApplicationFactory(customer=members[1], state=State.DECLINED, submitted_at=later)
    for i, score in enumerate((10, 9, 3)):
        NpsSurvey.objects.create(
            customer=members[i],
            moment="disbursed",
            subject_ref=f"L0000000{i}",
            product_code="CASH",
            sent_at=clock.now(),
            score=score,
            answered_at=clock.now(),
        )
    customer = members[5]
    customer.user.set_password(PASSWORD)
    customer.user.save()
    PointsEntry.objects.create(
        account=rewards.account_for(customer_id=customer.pk),
        kind=EntryKind.EARN_REFERRAL,
        points=150,
        effective_on=clock.today(),
        expires_on=clock.today() + dt.timedelta(days=365),
        key=f"browser:{customer.pk}",
    )
    NpsSurvey.objects.create(
        customer=customer,
        moment="disbursed",
        subject_ref="L00000099",
        product_code="CASH",
        sent_at=clock.now(),
    )
    return {"manager": manager, "campaign": campaign, "customer": customer}


def test_marketing_pages_render_their_figures(live_server, browser, world):
    base = live_server.url
    campaign = world["campaign"]
    funnel = selectors.campaign_funnel(campaign=campaign)
    results = selectors.experiment_results(experiment=campaign.experiment)
    assert [s["count"] for s in funnel["stages"]][:5] == [6, 0, 0, 2, 1]  # reached … applied, approved
    for language, locale in CASES:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()

        # The marketing manager: segments, campaigns, the funnel, the experiment, the NPS report.
        sign_in(page, f"{base}/admin/login/?next=/admin/marketing/segment/", world["manager"].username)
        page.wait_for_selector("#result_list")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("#result_list", has_text="Hangzhou").count() == 1
        shot(page, f"01-segments-{language}")
        page.goto(f"{base}/admin/marketing/campaign/")
        assert page.locator("#result_list", has_text="Spring").count() == 1
        shot(page, f"02-campaigns-{language}")
        page.goto(f"{base}/admin/marketing/campaign/{campaign.pk}/change/")
        page.locator("a.campaign-funnel-link").click()
        page.wait_for_selector("table.funnel")
        counts = page.locator("table.funnel td.count").all_inner_texts()
        assert counts == [str(s["count"]) for s in funnel["stages"]]
        assert page.locator(".cost-per-disbursed").inner_text() == "600.00"
        shot(page, f"03-funnel-{language}")
        page.goto(f"{base}/admin/marketing/campaign/{campaign.pk}/change/")
        page.locator("a.campaign-experiment-link").click()
        page.wait_for_selector("table.arms")
        assigned = page.locator("table.arms td.assigned").all_inner_texts()
        assert assigned == [str(arm["assigned"]) for arm in results["arms"]]
        assert sum(map(int, page.locator("table.arms td.converted").all_inner_texts())) == 2
        shot(page, f"04-experiment-{language}")
        page.goto(f"{base}/admin/marketing/npssurvey/report/")
        page.wait_for_selector(".nps-report")
        assert "33.3" in page.locator(".nps-report table").first.inner_text()
        shot(page, f"05-nps-{language}")

        # The customer: their points and the survey waiting for an answer.
        customer_page = browser.new_context(locale=locale, viewport={"width": 390, "height": 844}).new_page()
        sign_in(customer_page, f"{base}/customers/login/?next=/rewards/", world["customer"].user.username)
        customer_page.wait_for_selector(".rewards-balance")
        assert customer_page.locator("html").get_attribute("lang") == language
        assert customer_page.locator("[data-balance]").get_attribute("data-balance") == "150"
        assert "150" in customer_page.locator(".rewards-balance .figure").inner_text()
        shot(customer_page, f"06-rewards-{language}")
        customer_page.goto(f"{base}/marketing/feedback/")
        customer_page.wait_for_selector("form.survey-form")
        assert "CASH" in customer_page.locator("article.survey h3").inner_text()
        shot(customer_page, f"07-feedback-{language}")
        customer_page.context.close()
        context.close()
