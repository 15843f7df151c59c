"""Touches, the attribution snapshot on submission, the funnel and experiment results on a small
hand-computed example."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from rest_framework.test import APIClient

from applications import hooks
from applications import services as application_services
from applications.models import State
from loanhub import clock
from marketing import services, stats
from marketing.models import Attribution, Recipient, Segment, Touch
from products import choices as pc
from tests.applications.conftest import GOOD_ID, draft, make_customer
from tests.marketing.conftest import consenting
from tests.products.factories import version_in
from tests.servicing.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _launched(manager, capture, *, arms=None, cost=None):
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    campaign = services.campaign_create(
        actor=manager,
        name="Spring",
        segment=segment,
        channels=["portal"],
        template_zh="{{ link }}",
        template_en="{{ link }}",
        experiment_arms=arms,
        cost=cost,
    )
    with capture(execute=True):
        services.campaign_launch(campaign=campaign, actor=manager)
    campaign.refresh_from_db()
    return campaign


def _click(client, recipient: Recipient):
    """Follow the landing link the recipient was sent (as an anonymous browser)."""
    link = urlparse(services.landing_link(recipient, "portal"))
    return client.get(link.path, {k: v[0] for k, v in parse_qs(link.query).items()})


def test_the_hook_is_registered_by_marketing():
    assert services.attribution_record in hooks._submitted


def test_submission_snapshots_first_and_last_touch(client):
    product = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CASH",
        channels=["web"],
        repayment_methods=["annuity"],
        frequencies=["monthly"],
        available_from=clock.today() - dt.timedelta(days=30),
        max_dti=Decimal("0.5"),
    )
    customer = make_customer("attr", id_number=GOOD_ID, region="杭州")
    old = Touch.objects.create(
        customer=customer, kind="landing", channel="web", occurred_at=clock.now() - dt.timedelta(days=45)
    )
    first = Touch.objects.create(
        customer=customer, kind="landing", channel="partner", partner_code="P-7", occurred_at=clock.now()
    )
    # An anonymous visit from the same browser, merged when the customer signs in.
    response = client.get("/marketing/l/web/", {"utm_source": "baidu", "utm_medium": "cpc"})
    assert response.status_code == 302
    visitor = client.cookies[services.VISITOR_COOKIE].value
    assert services.touches_merge(visitor_id=visitor, customer=customer) == 1
    last = Touch.objects.get(visitor_id=visitor)
    application = draft(customer, product)
    application_services.application_submit(
        application=application, actor=customer.user, credit_check_consent=True
    )
    attribution = Attribution.objects.get(application=application)
    assert attribution.first_touch == first  # the 45-day-old touch is outside the 30-day window
    assert attribution.last_touch == last
    assert attribution.touch_ids == [first.pk, last.pk]
    assert attribution.partner_code == "P-7"
    assert old.pk not in attribution.touch_ids


def test_attribution_report_by_model(auditor):
    customer = consenting(region="杭州")
    t1 = Touch.objects.create(customer=customer, kind="message", channel="email", occurred_at=clock.now())
    t2 = Touch.objects.create(customer=customer, kind="landing", channel="web", occurred_at=clock.now())
    t3 = Touch.objects.create(customer=customer, kind="message", channel="sms", occurred_at=clock.now())
    application = ApplicationFactory(customer=customer, state=State.SUBMITTED)
    Attribution.objects.create(
        application=application, customer=customer, touch_ids=[t1.pk, t2.pk, t3.pk], created_at=clock.now()
    )
    client = _api(auditor)
    rows = client.get("/api/v1/marketing/attribution/", {"model": "position_based"}).json()
    assert {r["key"]: r["applications"] for r in rows} == {"email": 0.4, "sms": 0.4, "web": 0.2}
    rows = client.get("/api/v1/marketing/attribution/", {"model": "first_touch"}).json()
    assert rows[0] == {"key": "email", "applications": 1.0}
    assert client.get("/api/v1/marketing/attribution/", {"model": "best"}).status_code == 400


def test_funnel_on_a_hand_computed_example(manager, auditor, client, django_capture_on_commit_callbacks):
    # Four reached; three click; two apply after the launch; one is approved and disbursed.
    members = [consenting("portal", region="杭州") for _ in range(4)]
    campaign = _launched(manager, django_capture_on_commit_callbacks, cost="1000.00")
    recipients = {r.customer_id: r for r in Recipient.objects.filter(campaign=campaign)}
    for member in members[:3]:
        assert _click(client, recipients[member.pk]).status_code == 302
    later = clock.now() + dt.timedelta(hours=1)
    ApplicationFactory(
        customer=members[0], state=State.DISBURSED, submitted_at=later, approved_at=later, disbursed_at=later
    )
    ApplicationFactory(customer=members[1], state=State.DECLINED, submitted_at=later)
    # An application before the launch does not count.
    ApplicationFactory(
        customer=members[2], state=State.SUBMITTED, submitted_at=clock.now() - dt.timedelta(days=3)
    )
    funnel = _api(auditor).get(f"/api/v1/marketing/campaigns/{campaign.pk}/funnel/").json()
    assert [(s["stage"], s["count"]) for s in funnel["stages"]] == [
        ("reached", 4),
        ("visited", 3),
        ("quoted", 0),
        ("applied", 2),
        ("approved", 1),
        ("disbursed", 1),
        ("on_time_3m", 0),  # disbursed today: its first three months are still to come
    ]
    assert funnel["stages"][1]["rate_from_previous"] == pytest.approx(0.75)
    assert funnel["stages"][3]["rate_from_previous"] is None  # nobody quoted
    assert funnel["cost_per_disbursed"] == "1000.00"


def test_experiment_results_match_the_test_on_the_counts(
    manager, auditor, django_capture_on_commit_callbacks
):
    members = [consenting("portal", region="杭州") for _ in range(10)]
    arms = [{"name": "A"}, {"name": "B", "template_en": "B {{ link }}", "template_zh": "B {{ link }}"}]
    campaign = _launched(manager, django_capture_on_commit_callbacks, arms=arms)
    by_arm = dict(Recipient.objects.filter(campaign=campaign).values_list("customer_id", "arm"))
    later = clock.now() + dt.timedelta(hours=1)
    converted = {"A": 0, "B": 0}
    for member in members[:6]:
        ApplicationFactory(customer=member, state=State.SUBMITTED, submitted_at=later)
        converted[by_arm[member.pk]] += 1
    client = _api(auditor)
    listed = client.get("/api/v1/marketing/experiments/").json()
    assert [e["campaign"] for e in listed] == [campaign.pk]
    results = client.get(f"/api/v1/marketing/experiments/{listed[0]['id']}/results/").json()
    assigned = {arm: list(by_arm.values()).count(arm) for arm in ("A", "B")}
    assert results["arms"] == [
        {
            "name": arm,
            "assigned": assigned[arm],
            "converted": converted[arm],
            "rate": converted[arm] / assigned[arm],
        }
        for arm in ("A", "B")
    ]
    expected = stats.two_proportions(
        stats.Arm("A", assigned["A"], converted["A"]), stats.Arm("B", assigned["B"], converted["B"])
    )
    assert results["p_value"] == pytest.approx(expected["p_value"])
    assert results["difference"] == pytest.approx(expected["difference"])
    assert results["srm_p_value"] == pytest.approx(stats.srm_p_value([assigned["A"], assigned["B"]]))
