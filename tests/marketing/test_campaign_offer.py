"""A campaign's offer reaches the real offers of its recipients, and only theirs.

The offer is a product promotion limited to the campaign's audience (`invited:<code>` among its
segments, products.hooks) with a fee waived for the same audience: a consenting member of the
segment who applies after the launch gets the discount and the waiver in the decided offer (its
APR is the engine's for the discounted rate without the fee); a member who gave no marketing
consent is not reached and is offered the grid's price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from applications import services as application_services
from applications.models import State
from loanhub import clock
from marketing import selectors, services
from marketing.models import Recipient, Segment
from products import choices as pc
from products import engine_adapter
from products.pricing import price_for
from products.quotes import product_quote
from servicing.selectors import customer_segments_now
from tests.applications import conftest as app
from tests.applications.conftest import GOOD_ID, draft, make_customer
from tests.products.factories import FeeFactory, PromotionFactory

REGION = "杭州"
# The applications fixtures: an active product, users per role, a champion scorecard, submission.
product, risk_ready, submit, trained, users = app.product, app.risk_ready, app.submit, app.trained, app.users


@pytest.fixture
def offer(product):
    """50 bp off and the service fee waived, for the customers the campaign invites."""
    today = clock.today()
    promotion = PromotionFactory(
        version=product,
        code="spring50",
        kind=pc.PromotionKind.RATE_DISCOUNT,
        discount_bps=50,
        segments=[pc.invitation("spring50")],
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=60),
    )
    fee = FeeFactory(
        version=product,
        code="service",
        amount=Decimal("300.00"),
        waived_for_segments=[pc.invitation("spring50")],
    )
    return promotion, fee


def _customer(username: str, *, consent: bool, **fields):
    from customers import marketing_consent

    customer = make_customer(username, region=REGION, **fields)
    if consent:
        marketing_consent.marketing_consent_set(
            customer=customer, actor=customer.user, choices={"email": True}
        )
    return customer


def _launch(users, promotion, capture):
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": [REGION]})
    campaign = services.campaign_create(
        actor=users["marketing"],
        name="Spring",
        segment=segment,
        channels=["email"],
        template_zh="{{ name }}，{{ offer }} {{ link }}",
        template_en="Hello {{ name }}, {{ offer }} {{ link }}",
        promotion=promotion,
    )
    with capture(execute=True):
        return services.campaign_launch(campaign=campaign, actor=users["marketing"])


def _apr_without_fees(product, rate: Decimal) -> Decimal:
    """The engine's APR of the tests' loan (50,000.00 over 24 months, annuity) at `rate`, no fee."""
    return engine_adapter.schedule(
        principal=Decimal("50000.00"),
        annual_rate=rate,
        term=24,
        frequency="monthly",
        method="annuity",
        start_date=clock.today(),
        day_count=product.day_count,
        fees=[],
        grace=None,
        interest_free_periods=0,
    ).summary["apr"]


def _decided(application, users):
    if application.state == State.REFERRED:  # a manual review decides the same offer
        application = application_services.application_approve(
            application=application, actor=users["officer"], reason="reviewed"
        )
    assert application.state == State.APPROVED, application.state
    return application


def test_a_campaigns_offer_is_in_its_recipients_real_offer_and_apr_and_in_no_one_elses(
    risk_ready,
    product,
    offer,
    users,
    submit,
    django_capture_on_commit_callbacks,
):
    promotion, fee = offer
    # Given two members of the segment, one of whom consented to marketing e-mail
    invited = _customer("invited", consent=True, id_number=GOOD_ID)
    silent = _customer("silent", consent=False)
    # When the campaign carrying the offer is launched
    campaign = _launch(users, promotion, django_capture_on_commit_callbacks)
    # Then only the consenting member is reached, and only they are invited to the promotion
    assert list(Recipient.objects.filter(campaign=campaign).values_list("customer_id", flat=True)) == [
        invited.pk
    ]
    assert campaign.skipped["no_consent"] == 1
    assert selectors.customer_invitations(customer_id=invited.pk) == ["spring50"]
    assert selectors.customer_invitations(customer_id=silent.pk) == []

    # When both apply for the same loan and are decided
    mine = _decided(submit(draft(invited, product)), users)
    theirs = _decided(submit(draft(silent, product)), users)

    # Then the recipient's offer carries the promotion, the discount and the waiver …
    assert pc.invitation("spring50") in mine.segments
    assert mine.offer["promotions"] == ["spring50"]
    assert mine.offer["discount_bps"] == 50
    assert mine.offer["fees_waived"] == ["service"]
    assert mine.offer["fees"] == []
    grid = price_for(product, grade=mine.risk_grade, term=24, on_date=clock.today()).annual_rate
    assert Decimal(mine.offer["annual_rate"]) == mine.offer_rate == grid - Decimal("0.0050")
    # … and its APR is the engine's for the discounted rate with no fee (computed here, apart)
    assert (
        mine.offer_apr == Decimal(mine.offer["apr"]) == _apr_without_fees(product, grid - Decimal("0.0050"))
    )

    # And the member who was not reached pays the grid rate and the fee: a higher APR
    assert pc.invitation("spring50") not in theirs.segments
    assert theirs.offer["promotions"] == []
    assert theirs.offer["discount_bps"] == 0
    assert [f["code"] for f in theirs.offer["fees"]] == ["service"]
    their_grid = price_for(product, grade=theirs.risk_grade, term=24, on_date=clock.today()).annual_rate
    assert theirs.offer_rate == their_grid
    same_grade = product_quote(
        version=product,
        amount=Decimal("50000.00"),
        term=24,
        risk_grade=mine.risk_grade,
        segments=theirs.segments,
        start_date=clock.today(),
    )
    assert same_grade.apr > mine.offer_apr
    assert same_grade.apr != mine.offer_apr


def test_holdouts_cancelled_and_unlaunched_campaigns_invite_no_one(
    product,
    offer,
    users,
    django_capture_on_commit_callbacks,
):
    promotion, _ = offer
    member = _customer("member", consent=True)
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": [REGION]})
    draft_campaign = services.campaign_create(
        actor=users["marketing"],
        name="Draft",
        segment=segment,
        channels=["email"],
        template_zh="{{ name }} {{ link }}",
        template_en="{{ name }} {{ link }}",
        promotion=promotion,
        experiment_arms=[{"name": "a", "holdout": True}, {"name": "b", "holdout": True}],
    )
    # A draft invites no one
    assert selectors.customer_invitations(customer_id=member.pk) == []
    # Launched with holdout arms only: the member is held out, sent nothing and offered nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_launch(campaign=draft_campaign, actor=users["marketing"])
    assert Recipient.objects.get(customer=member).holdout is True
    assert selectors.customer_invitations(customer_id=member.pk) == []
    assert pc.invitation("spring50") not in customer_segments_now(member)


def test_the_quote_for_a_signed_in_recipient_includes_the_campaigns_interest_free_offer(
    product,
    users,
    django_capture_on_commit_callbacks,
):
    # Given a campaign whose offer is the first three installments interest-free
    today = clock.today()
    free = PromotionFactory(
        version=product,
        code="free3",
        kind=pc.PromotionKind.INTEREST_FREE,
        interest_free_periods=3,
        discount_bps=0,
        segments=[pc.invitation("free3")],
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
    )
    invited = _customer("quoted", consent=True)
    _launch(users, free, django_capture_on_commit_callbacks)
    # When the recipient asks the quote API for a quote
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(invited.user)
    body = {"amount": "12000.00", "term": 12}
    response = client.post(f"/api/v1/products/{product.product.code}/quote/", body, format="json")
    assert response.status_code == 200, response.content
    # Then the quote applies the promotion: three installments without interest
    assert response.json()["promotions_applied"] == ["free3"]
    anonymous = APIClient().post(f"/api/v1/products/{product.product.code}/quote/", body, format="json")
    assert anonymous.json()["promotions_applied"] == []
    assert Decimal(anonymous.json()["summary"]["apr"]) > Decimal(response.json()["summary"]["apr"])
    assert [i["interest"] for i in response.json()["installments"][:3]] == ["0.00"] * 3
    # And nobody can claim the invitation as an explicit segment
    claimed = APIClient().post(
        f"/api/v1/products/{product.product.code}/quote/",
        {**body, "segment": pc.invitation("free3")},
        format="json",
    )
    assert claimed.status_code == 400
    assert "segment" in claimed.json()["errors"]


def test_a_campaigns_fee_waiver_takes_every_fee_out_of_its_recipients_quote_and_offer(
    risk_ready,
    product,
    users,
    submit,
    django_capture_on_commit_callbacks,
):
    # Given a product charging a 300.00 service fee to everyone, and a campaign whose offer is a
    # fee waiver for the customers it invites
    today = clock.today()
    FeeFactory(version=product, code="service", amount=Decimal("300.00"))
    waiver = PromotionFactory(
        version=product,
        code="nofee",
        kind=pc.PromotionKind.FEE_WAIVER,
        discount_bps=0,
        segments=[pc.invitation("nofee")],
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
    )
    invited = _customer("waived", consent=True, id_number=GOOD_ID)
    _launch(users, waiver, django_capture_on_commit_callbacks)
    # When the recipient and an anonymous visitor ask the quote API for the same loan
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(invited.user)
    body = {"amount": "12000.00", "term": 12}
    url = f"/api/v1/products/{product.product.code}/quote/"
    mine = client.post(url, body, format="json").json()
    anonymous = APIClient().post(url, body, format="json").json()
    # Then the recipient pays no fee at the grid's rate, the visitor pays the 300.00
    assert (mine["promotions_applied"], mine["summary"]["total_fees"]) == (["nofee"], "0.00")
    assert (anonymous["promotions_applied"], anonymous["summary"]["total_fees"]) == ([], "300.00")
    assert mine["annual_rate"] == anonymous["annual_rate"]
    assert Decimal(mine["summary"]["apr"]) < Decimal(anonymous["summary"]["apr"])
    # And the decided offer discloses the fee as waived, with the APR of the schedule without it
    decided = _decided(submit(draft(invited, product)), users)
    assert decided.offer["promotions"] == ["nofee"]
    assert (decided.offer["fees"], decided.offer["fees_waived"]) == ([], ["service"])
    assert decided.offer["total_fees"] == "0.00"
    assert decided.offer_apr == _apr_without_fees(product, decided.offer_rate)


def test_a_fee_waiver_offer_request_needs_no_discount_and_no_interest_free_installments(product, users):
    from marketing import offer_requests

    segment = Segment.objects.create(name="Hangzhou", rules={"regions": [REGION]})
    campaign = services.campaign_create(
        actor=users["marketing"],
        name="No fee",
        segment=segment,
        channels=["email"],
        template_zh="{{ name }}，{{ offer }} {{ link }}",
        template_en="Hello {{ name }}, {{ offer }} {{ link }}",
    )
    request = offer_requests.campaign_offer_request(
        campaign=campaign,
        actor=users["marketing"],
        product_code=product.product.code,
        kind=pc.PromotionKind.FEE_WAIVER,
        starts_on=clock.today(),
        ends_on=clock.today() + dt.timedelta(days=30),
        discount_bps=25,
        interest_free_periods=2,
    )
    assert (request.kind, request.discount_bps, request.interest_free_periods) == ("fee_waiver", 0, 0)
