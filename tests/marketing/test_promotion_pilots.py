"""A product promotion piloted on its own (试点): while the pilot runs, the promotion reaches only
the pilot group (the segment's members in its regions and share, through its sales channels);
the other members are the control, priced without it; the funnel shows the pilot beside the
control. The assignment is the campaigns' pilot rule (marketing.services.pilot_admits)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.test import Client

from applications.models import State
from loanhub import clock
from loanhub.errors import Forbidden
from marketing import pilots, selectors
from marketing.errors import MarketingForbidden, MarketingInvalid
from marketing.models import PilotMember, PromotionPilot, PromotionPilotState, Segment, Touch
from products import choices as pc
from products.quotes import product_quote
from servicing.selectors import customer_segments_now
from tests.applications.conftest import in_state
from tests.customers.factories import CustomerFactory
from tests.products.factories import PromotionFactory, version_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    since = clock.today() - dt.timedelta(days=1)
    version = version_in(pc.ProductStatus.ACTIVE, product__code="CASH", available_from=since)
    PromotionFactory(
        version=version,
        code="spring30",
        discount_bps=30,
        starts_on=since,
        ends_on=since + dt.timedelta(days=60),
    )
    segment = Segment.objects.create(name="Zhejiang", rules={"regions": ["杭州", "宁波"]})
    return version, segment


def _discount(version, customer=None, channel: str | None = None) -> int:
    segments = customer_segments_now(customer) if customer is not None else ()
    quote = product_quote(
        version=version, amount=Decimal("50000"), term=12, risk_grade="B", segments=segments, channel=channel
    )
    return quote.price.discount_bps


def _pilot(manager, segment, **limits) -> PromotionPilot:
    return pilots.promotion_pilot_create(
        actor=manager,
        name="Spring in Hangzhou",
        product_code="cash",
        promotion_code="spring30",
        segment=segment,
        **limits,
    )


def test_a_running_pilot_gives_the_promotion_to_its_group_only_and_ending_it_rolls_it_out(manager, catalogue):
    version, segment = catalogue
    hz = [CustomerFactory(region="杭州") for _ in range(2)]
    nb = [CustomerFactory(region="宁波") for _ in range(2)]
    outside = CustomerFactory(region="上海")
    pilot = _pilot(manager, segment, regions=["杭州"])
    # A draft limits nothing.
    assert _discount(version, nb[0]) == 30

    pilot = pilots.promotion_pilot_start(pilot=pilot, actor=manager)

    assert pilot.state == PromotionPilotState.RUNNING
    groups = dict(PilotMember.objects.filter(pilot=pilot).values_list("customer_id", "group"))
    assert groups == {hz[0].pk: "pilot", hz[1].pk: "pilot", nb[0].pk: "control", nb[1].pk: "control"}
    assert [_discount(version, c) for c in (*hz, *nb, outside)] == [30, 30, 0, 0, 0]
    assert _discount(version) == 0  # an anonymous visitor is no member
    event = pilot.events.get()
    assert (event.from_state, event.to_state, event.actor) == ("draft", "running", manager)
    assert event.payload == {"members": 4, "pilot": 2, "control": 2}

    ended = pilots.promotion_pilot_end(pilot=pilot, actor=manager)

    assert ended.state == PromotionPilotState.ENDED
    assert [_discount(version, c) for c in (*hz, *nb, outside)] == [30, 30, 30, 30, 30]


def _applied_through(customer, version, channel: str):
    return in_state(
        State.DECLINED, customer, version, channel=channel, submitted_at=clock.now() - dt.timedelta(days=3)
    )


def test_a_channel_pilot_applies_only_through_its_channels(manager, catalogue):
    version, segment = catalogue
    member = CustomerFactory(region="杭州")
    _applied_through(member, version, "app")
    pilots.promotion_pilot_start(pilot=_pilot(manager, segment, channels=["app"]), actor=manager)

    assert PilotMember.objects.get(customer=member).group == "pilot"
    assert _discount(version, member, channel="app") == 30
    assert _discount(version, member, channel="web") == 0


def test_a_channel_only_pilots_control_is_the_audience_outside_its_channels(manager, catalogue):
    """The members who came through the pilot's channels (an application through it, or a landing
    or branch event on it) are the pilot; the rest of the segment is the control (it was empty:
    the start ignored the channel limit and admitted everyone)."""
    version, segment = catalogue
    by_app = CustomerFactory(region="杭州")
    _applied_through(by_app, version, "app")
    by_partner = CustomerFactory(region="宁波")
    Touch.objects.create(
        customer=by_partner, kind="landing", channel="partner", partner_code="P1", occurred_at=clock.now()
    )
    by_web = CustomerFactory(region="杭州")
    _applied_through(by_web, version, "web")
    Touch.objects.create(customer=by_web, kind="landing", channel="web", occurred_at=clock.now())
    unknown = CustomerFactory(region="宁波")

    pilot = pilots.promotion_pilot_start(
        pilot=_pilot(manager, segment, channels=["app", "partner"]), actor=manager
    )

    groups = dict(PilotMember.objects.filter(pilot=pilot).values_list("customer_id", "group"))
    assert groups == {by_app.pk: "pilot", by_partner.pk: "pilot", by_web.pk: "control", unknown.pk: "control"}
    assert pilot.events.get().payload == {"members": 4, "pilot": 2, "control": 2}
    assert _discount(version, by_partner, channel="app") == 30
    assert _discount(version, by_web, channel="app") == 0  # the control, even through the channel
    comparison = selectors.promotion_pilot_comparison(pilot=pilot)
    assert [comparison["pilot"][0]["count"], comparison["control"][0]["count"]] == [2, 2]


def test_a_share_pilot_draws_the_campaigns_stable_bucket(manager, catalogue):
    _version, segment = catalogue
    customers = [CustomerFactory(region="杭州") for _ in range(12)]
    pilot = pilots.promotion_pilot_start(pilot=_pilot(manager, segment, share=50), actor=manager)

    def bucket(cid: int) -> int:
        digest = hashlib.sha256(f"promotion-pilot:{pilot.pk}:{cid}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % 100

    expected = {c.pk: "pilot" if bucket(c.pk) < 50 else "control" for c in customers}
    assert dict(PilotMember.objects.filter(pilot=pilot).values_list("customer_id", "group")) == expected


def test_one_running_pilot_per_promotion_and_only_marketing_runs_them(manager, auditor, catalogue):
    _version, segment = catalogue
    CustomerFactory(region="杭州")
    first = pilots.promotion_pilot_start(pilot=_pilot(manager, segment, regions=["杭州"]), actor=manager)
    second = _pilot(manager, segment, share=10)

    with pytest.raises(Exception, match="already in a running pilot"):
        pilots.promotion_pilot_start(pilot=second, actor=manager)
    assert PromotionPilot.objects.get(pk=second.pk).state == PromotionPilotState.DRAFT
    assert not PilotMember.objects.filter(pilot=second).exists()
    with pytest.raises(MarketingForbidden):
        _pilot(auditor, segment, share=10)
    with pytest.raises(Forbidden):
        pilots.promotion_pilot_end(pilot=first, actor=auditor)
    assert PromotionPilot.objects.get(pk=first.pk).state == PromotionPilotState.RUNNING


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "share"),
        ({"share": 0}, "share"),
        ({"channels": ["fax"]}, "channels"),
        ({"regions": [""]}, "regions"),
        ({"regions": ["杭州"], "promotion_code": "nope"}, "promotion_code"),
        ({"regions": ["杭州"], "product_code": "NOPE"}, "product_code"),
    ],
)
def test_bad_pilots_are_refused_and_nothing_is_created(manager, catalogue, fields, field):
    _version, segment = catalogue
    values = {"product_code": "CASH", "promotion_code": "spring30", **fields}
    with pytest.raises(MarketingInvalid) as caught:
        pilots.promotion_pilot_create(actor=manager, name="x", segment=segment, **values)
    assert field in caught.value.errors
    assert not PromotionPilot.objects.exists()


def test_the_funnel_shows_the_pilot_group_beside_its_control(manager, auditor, catalogue):
    version, segment = catalogue
    hz = [CustomerFactory(region="杭州") for _ in range(2)]
    nb = [CustomerFactory(region="宁波") for _ in range(4)]
    pilot = pilots.promotion_pilot_start(pilot=_pilot(manager, segment, regions=["杭州"]), actor=manager)
    later = clock.now() + dt.timedelta(minutes=5)
    in_state(State.APPROVED, hz[0], version, submitted_at=later, approved_at=later)
    in_state(State.SUBMITTED, nb[0], version, submitted_at=later)
    # An application submitted before the pilot started does not count.
    in_state(State.SUBMITTED, nb[1], version, submitted_at=clock.now() - dt.timedelta(days=1))

    comparison = selectors.promotion_pilot_comparison(pilot=PromotionPilot.objects.get(pk=pilot.pk))

    got = {
        group: {s["stage"]: (s["count"], s["share_of_group"]) for s in comparison[group]}
        for group in ("pilot", "control")
    }
    assert (got["pilot"]["reached"], got["pilot"]["applied"], got["pilot"]["approved"]) == (
        (2, 1.0),
        (1, 0.5),
        (1, 0.5),
    )
    assert (got["control"]["reached"], got["control"]["applied"], got["control"]["approved"]) == (
        (4, 1.0),
        (1, 0.25),
        (0, 0.0),
    )
    assert comparison["randomised"] is False
    rows = selectors.funnel_report(by="pilot")
    assert [(r["key"], r["stages"][0]["count"], r["stages"][3]["count"]) for r in rows] == [
        (f"promotion-{pilot.pk}:control", 4, 1),
        (f"promotion-{pilot.pk}:pilot", 2, 1),
    ]

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(auditor)
    page = client.get(f"/admin/marketing/promotionpilot/{pilot.pk}/funnel/").content.decode()
    assert 'class="pilot-count">2<' in page
    assert 'class="control-count">4<' in page
    assert "not a random one" in page
    detail = client.get(f"/admin/marketing/promotionpilot/{pilot.pk}/change/").content.decode()
    assert "promotion-pilot-funnel-link" in detail


def test_the_product_page_says_a_promotion_is_a_pilot_and_whether_the_visitor_is_in_it(
    manager, catalogue, settings
):
    from products.models import Promotion

    settings.LANGUAGE_CODE = "en"
    version, segment = catalogue
    name = Promotion.objects.get(code="spring30").name
    member = CustomerFactory(region="杭州")
    control = CustomerFactory(region="宁波")
    pilot = pilots.promotion_pilot_start(pilot=_pilot(manager, segment, regions=["杭州"]), actor=manager)

    def page(customer=None) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if customer is not None:
            client.force_login(customer.user)
        return client.get("/products/CASH/").content.decode()

    assert "a pilot you are part of" in page(member)
    assert "a pilot for selected customers only" in page(control)
    assert "a pilot for selected customers only" in page()  # anonymous

    pilots.promotion_pilot_end(pilot=pilot, actor=manager)

    # Ended: rolled out to everyone, and the cached pages said so at once
    for html in (page(member), page(control), page()):
        assert name in html
        assert "a pilot" not in html


def test_ending_in_the_admin_asks_to_confirm_the_roll_out_and_without_it_changes_nothing(manager, catalogue):
    version, segment = catalogue
    hz, nb = CustomerFactory(region="杭州"), CustomerFactory(region="宁波")
    pilot = pilots.promotion_pilot_start(pilot=_pilot(manager, segment, regions=["杭州"]), actor=manager)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    url = "/admin/marketing/promotionpilot/"
    chosen = {"action": "end", "_selected_action": [pilot.pk]}

    # The action first shows the confirmation page, stating the roll-out
    page = client.post(url, chosen)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ending rolls the promotion out to every eligible customer" in text
    assert 'name="rollout"' in text
    # Confirming without ticking the box: the page again with the error, nothing ended
    unticked = client.post(url, chosen | {"confirm_end": "1"})
    assert unticked.status_code == 200
    assert "Tick the box to confirm the roll-out" in unticked.content.decode()
    pilot.refresh_from_db()
    assert (pilot.state, pilot.ended_at) == (PromotionPilotState.RUNNING, None)
    assert list(pilot.events.values_list("to_state", flat=True)) == ["running"]
    assert [_discount(version, hz), _discount(version, nb)] == [30, 0]

    # Ticked: ended, and the promotion reaches the control too
    done = client.post(url, chosen | {"confirm_end": "1", "rollout": "on"})
    assert done.status_code == 302
    pilot.refresh_from_db()
    assert pilot.state == PromotionPilotState.ENDED
    assert [_discount(version, hz), _discount(version, nb)] == [30, 30]

    # In Chinese too
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(manager)
    other = pilots.promotion_pilot_start(pilot=_pilot(manager, segment, regions=["宁波"]), actor=manager)
    assert (
        "结束试点会将该优惠推广给所有符合条件的客户"
        in zh.post(url, {"action": "end", "_selected_action": [other.pk]}).content.decode()
    )
