"""The funnel's "quoted" and "on time after 3 months" stages on a hand-computed example: quotes
asked on the product page and the quote API are touches, and a disbursed loan counts as on time
once its first three months passed with no installment paid late (servicing's answer)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from applications.models import State
from loanhub import clock
from marketing import services
from marketing.models import Recipient, Segment, Touch, TouchKind
from products import choices as pc
from products.engine import add_months
from servicing import selectors as servicing_selectors
from servicing.models import LoanInstallment
from tests.marketing.conftest import consenting
from tests.marketing.test_attribution_funnel import _click, _launched
from tests.products.factories import UserFactory, version_in
from tests.servicing.factories import ApplicationFactory, open_loan

pytestmark = pytest.mark.django_db

QUOTE = {"amount": "50000.00", "term": "12", "method": "annuity", "frequency": "monthly"}


def _product():
    return version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CASH",
        channels=["web"],
        repayment_methods=["annuity"],
        frequencies=["monthly"],
        available_from=clock.today() - dt.timedelta(days=400),
        max_dti=Decimal("0.5"),
    )


def _repaid(loan, *, interest="0", penalty="0", fees="0", reversed_=False) -> None:
    """A repayment's split as servicing recorded it (the allocation itself is servicing's test)."""
    from servicing.models import Repayment

    parts = {"interest": Decimal(interest), "penalty": Decimal(penalty), "fees": Decimal(fees)}
    repayment = Repayment.objects.create(
        loan=loan, amount=sum(parts.values()), value_date=clock.today(), channel="portal", **parts
    )
    if reversed_:
        Repayment.objects.filter(pk=repayment.pk).update(status="reversed")


def _pay(loan, *, late_number=None, days_late=0):
    """Mark the installments due so far paid on their due date (one of them `days_late`)."""
    for inst in LoanInstallment.objects.filter(loan=loan, due_date__lt=clock.today()):
        late = days_late if inst.number == late_number else 0
        LoanInstallment.objects.filter(pk=inst.pk).update(paid_on=inst.due_date + dt.timedelta(days=late))


def test_quote_touches_from_page_and_api(client):
    _product()
    member = consenting("portal")
    client.force_login(member.user)
    assert client.get("/products/CASH/", QUOTE).status_code == 200
    assert client.get("/products/CASH/", QUOTE).status_code == 200  # the same day: one touch
    api = APIClient()
    api.force_authenticate(member.user)
    assert api.post("/api/v1/products/CASH/quote/", QUOTE, format="json").status_code == 200
    touches = Touch.objects.filter(kind=TouchKind.QUOTE)
    assert list(touches.values_list("customer_id", "utm_campaign")) == [(member.pk, "CASH")]
    # The product's example (no query asked) and an untracked anonymous caller log nothing.
    client.get("/products/CASH/")
    APIClient().post("/api/v1/products/CASH/quote/", QUOTE, format="json")
    assert touches.count() == 1


def test_a_tracked_visitor_quote_carries_the_landing_campaign_and_is_merged_at_sign_in(
    manager, client, django_capture_on_commit_callbacks
):
    _product()
    member = consenting("portal", region="杭州")
    campaign = _launched(manager, django_capture_on_commit_callbacks)
    _click(client, Recipient.objects.get(campaign=campaign))
    client.cookies.pop("sessionid", None)
    visitor = client.cookies[services.VISITOR_COOKIE].value
    assert client.get("/products/CASH/", QUOTE).status_code == 200
    quote = Touch.objects.get(kind=TouchKind.QUOTE)
    assert (quote.visitor_id, quote.campaign_id) == (visitor, campaign.pk)
    services.touches_merge(visitor_id=visitor, customer=member)
    quote.refresh_from_db()
    assert quote.customer_id == member.pk


def test_quote_touches_are_not_attributed_contacts():
    customer = consenting("portal")
    landing = Touch.objects.create(customer=customer, kind="landing", channel="web", occurred_at=clock.now())
    Touch.objects.create(customer=customer, kind=TouchKind.QUOTE, channel="web", occurred_at=clock.now())
    application = ApplicationFactory(customer=customer, state=State.SUBMITTED, submitted_at=clock.now())
    snapshot = services.attribution_record(application=application)
    assert snapshot.touch_ids == [landing.pk]


def test_on_time_after_three_months_reads_the_first_three_months_only():
    today = clock.today()
    on_time = open_loan(disbursed_on=add_months(today, -5))
    _pay(on_time, late_number=4, days_late=9)  # late after the first three months: still on time
    late = open_loan(disbursed_on=add_months(today, -4))
    _pay(late, late_number=2, days_late=1)
    unpaid = open_loan(disbursed_on=add_months(today, -4))
    young = open_loan(disbursed_on=today - dt.timedelta(days=40))
    _pay(young)
    answer = servicing_selectors.loans_on_time_after_months(
        origin_refs=[loan.origin_ref for loan in (on_time, late, unpaid, young)], months=3
    )
    assert answer == {
        on_time.origin_ref: True,
        late.origin_ref: False,
        unpaid.origin_ref: False,
        young.origin_ref: None,
    }


def test_funnel_with_quoted_and_on_time_on_a_hand_computed_example(
    manager, auditor, client, django_capture_on_commit_callbacks
):
    """Six reached; four click; three ask for a quote; four apply; three approved and disbursed
    five months ago … but one paid an installment late in its first three months and one was
    disbursed a month ago: one is on time after three months.

    reached 6 → visited 4 (4/6) → quoted 3 (3/4) → applied 4 (4/3) → approved 3 (3/4)
    → disbursed 3 (3/3) → on time 1 (1/3); cost 900.00 / 3 disbursed = 300.00."""
    _product()
    members = [consenting("portal", region="杭州") for _ in range(6)]
    launched_on = clock.now() - dt.timedelta(days=160)
    with time_machine.travel(launched_on, tick=False):
        campaign = _launched(manager, django_capture_on_commit_callbacks, cost="900.00")
        recipients = {r.customer_id: r for r in Recipient.objects.filter(campaign=campaign)}
        for member in members[:4]:
            assert _click(client, recipients[member.pk]).status_code == 302
        for member in members[:3]:
            client.force_login(member.user)
            assert client.get("/products/CASH/", QUOTE).status_code == 200
        later = clock.now() + dt.timedelta(hours=1)
    apps = [
        ApplicationFactory(
            customer=member, state=State.DISBURSED, submitted_at=later, approved_at=later, disbursed_at=later
        )
        for member in members[:3]
    ]
    ApplicationFactory(customer=members[3], state=State.DECLINED, submitted_at=later)
    today = clock.today()
    on_time = open_loan(apps[0], disbursed_on=add_months(today, -5))
    _pay(on_time)
    late = open_loan(apps[1], disbursed_on=add_months(today, -5))
    _pay(late, late_number=3, days_late=2)
    young = open_loan(apps[2], disbursed_on=today - dt.timedelta(days=30))
    _pay(young)

    api = APIClient()
    api.force_authenticate(auditor)
    funnel = api.get(f"/api/v1/marketing/campaigns/{campaign.pk}/funnel/").json()
    assert [(s["stage"], s["count"]) for s in funnel["stages"]] == [
        ("reached", 6),
        ("visited", 4),
        ("quoted", 3),
        ("applied", 4),
        ("approved", 3),
        ("disbursed", 3),
        ("on_time_3m", 1),
    ]
    rates = [s["rate_from_previous"] for s in funnel["stages"]]
    assert rates[0] is None
    assert rates[1:] == pytest.approx([4 / 6, 3 / 4, 4 / 3, 3 / 4, 1.0, 1 / 3])
    assert funnel["cost_per_disbursed"] == "300.00"
    # Revenue: interest, penalty interest and fees of their posted repayments; a reversed one and
    # a loan outside the campaign do not count. 120.50 + 3.20 + 10.00 + 80.00 = 213.70.
    _repaid(on_time, interest="120.50", penalty="3.20", fees="10.00")
    _repaid(young, interest="80.00")
    _repaid(late, interest="999.00", reversed_=True)
    _repaid(open_loan(), interest="500.00")
    funnel = api.get(f"/api/v1/marketing/campaigns/{campaign.pk}/funnel/").json()
    assert funnel["revenue"] == "213.70"


def test_funnel_by_channel_segment_and_campaign(manager, auditor, django_capture_on_commit_callbacks):
    # Two reached on the portal only, one on the portal and by SMS; one of the portal-only applies.
    only_portal = [consenting("portal", region="杭州") for _ in range(2)]
    both = consenting("portal", "sms", region="杭州")
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    campaign = services.campaign_create(
        actor=manager,
        name="Spring",
        segment=segment,
        channels=["portal", "sms"],
        template_zh="{{ link }}",
        template_en="{{ link }}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_launch(campaign=campaign, actor=manager)
    channels = dict(Recipient.objects.values_list("customer_id", "channels"))
    assert sorted(channels[both.pk]) == ["portal", "sms"]
    assert channels[only_portal[0].pk] == ["portal"]
    later = clock.now() + dt.timedelta(hours=1)
    ApplicationFactory(customer=only_portal[0], state=State.SUBMITTED, submitted_at=later)

    api = APIClient()
    api.force_authenticate(auditor)

    def counts(by):
        rows = api.get("/api/v1/marketing/funnel/", {"by": by}).json()
        return {row["label"]: [s["count"] for s in row["stages"]] for row in rows}

    assert counts("channel") == {"portal": [3, 0, 0, 1, 0, 0, 0], "sms": [1, 0, 0, 0, 0, 0, 0]}
    assert counts("segment") == {"Hangzhou": [3, 0, 0, 1, 0, 0, 0]}
    assert counts("campaign") == {"Spring": [3, 0, 0, 1, 0, 0, 0]}
    assert api.get("/api/v1/marketing/funnel/", {"by": "region"}).status_code == 400
    customer = APIClient()
    customer.force_authenticate(both.user)
    assert customer.get("/api/v1/marketing/funnel/").status_code == 403


def test_the_funnel_and_experiment_pages_are_for_staff_who_view_marketing(
    manager, client, django_capture_on_commit_callbacks
):
    consenting("portal", region="杭州")
    campaign = _launched(manager, django_capture_on_commit_callbacks)
    client.force_login(manager)
    page = client.get(f"/admin/marketing/campaign/{campaign.pk}/funnel/")
    assert page.status_code == 200
    assert [s["stage"] for s in page.context["stages"]][-1] == "on_time_3m"
    assert client.get(f"/admin/marketing/campaign/{campaign.pk}/experiment/").status_code == 404  # no arms
    assert client.get("/admin/marketing/campaign/999999/funnel/").status_code == 404
    client.force_login(UserFactory(username="no-role"))  # staff, but no view permission
    assert client.get(f"/admin/marketing/campaign/{campaign.pk}/funnel/").status_code == 403
    client.force_login(Recipient.objects.get(campaign=campaign).customer.user)  # not staff: to sign in
    assert client.get(f"/admin/marketing/campaign/{campaign.pk}/funnel/").status_code == 302
