"""A campaign requests its offer: the marketing manager drafts the `invited:<code>` promotion, a
product manager takes it into a new draft version of the product, and it reaches the quote of
the campaign's recipients only once that version is submitted and approved by a second reviewer
— the product's own maker-checker, never bypassed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import clock
from marketing import offer_requests, services
from marketing.errors import MarketingForbidden
from marketing.models import Campaign, OfferRequest, Segment
from products import choices as pc
from products import services as product_services
from products.models import ProductVersion, Promotion
from products.quotes import product_quote
from products.services import ProductPermissionError
from servicing.selectors import customer_segments_now
from tests.marketing.conftest import consenting
from tests.products.factories import role_users, version_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    users = role_users()
    live = version_in(
        pc.ProductStatus.ACTIVE,
        maker=users["pm"],
        product__code="CASH",
        available_from=clock.today() - dt.timedelta(days=30),
    )
    segment = Segment.objects.create(name="Hangzhou", rules={"regions": ["杭州"]})
    campaign = services.campaign_create(
        actor=users["marketing"],
        name="Autumn",
        segment=segment,
        channels=["email"],
        template_zh="{{ name }} {{ offer }}",
        template_en="{{ name }} {{ offer }}",
    )
    return users, live, campaign


def _api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def _request_body():
    today = clock.today()
    return {
        "product": "cash",
        "kind": "rate_discount",
        "discount_bps": 40,
        "starts_on": str(today),
        "ends_on": str(today + dt.timedelta(days=60)),
    }


def _rate(version, customer) -> Decimal:
    quote = product_quote(
        version=version,
        amount=Decimal("50000"),
        term=12,
        risk_grade="B",
        segments=customer_segments_now(customer),
    )
    return quote.annual_rate


def test_the_offer_goes_live_only_through_the_products_maker_checker(
    world, django_capture_on_commit_callbacks
):
    users, live, campaign = world
    member = consenting("email", region="杭州")

    created = _api(users["marketing"]).post(
        f"/api/v1/marketing/campaigns/{campaign.pk}/offer-request/", _request_body(), format="json"
    )
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    assert created.json()["status"] == "requested"
    assert ProductVersion.objects.filter(product=live.product).count() == 1  # nothing in the catalogue

    taken = _api(users["pm"]).post(f"/api/v1/marketing/offer-requests/{request_id}/take/")
    assert taken.status_code == 200, taken.json()
    draft = ProductVersion.objects.get(pk=taken.json()["version"])
    assert (draft.version, draft.status, taken.json()["status"]) == (2, "draft", "draft")
    promotion = draft.promotions.get(code=f"c{campaign.pk}-offer")
    assert (promotion.discount_bps, promotion.segments) == (40, [pc.invitation(promotion.code)])
    campaign.refresh_from_db()
    assert campaign.promotion == promotion

    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_launch(campaign=campaign, actor=users["marketing"])
    # Launched and invited, but the version with the offer is not approved: the live price holds.
    assert _rate(live, member) == Decimal("0.060000")
    assert not Promotion.objects.filter(version=live, code=promotion.code).exists()

    product_services.product_submit_for_review(version=draft, actor=users["pm"])
    with pytest.raises(ProductPermissionError):  # the maker may not approve their own version
        product_services.product_approve(version=draft, actor=users["pm"])
    approved = product_services.product_approve(version=draft, actor=users["pm2"])

    assert approved.status == "active"
    assert _rate(approved, member) == Decimal("0.056000")  # 6 % less 40 bp, for the invited only
    assert _rate(approved, consenting("email", region="北京")) == Decimal("0.060000")
    # The request now reports the live version.
    assert offer_requests.offer_request_status(OfferRequest.objects.get(pk=request_id)) == "active"


def test_only_marketing_requests_and_only_product_managers_take(world):
    users, _live, campaign = world
    body = _request_body()
    url = f"/api/v1/marketing/campaigns/{campaign.pk}/offer-request/"
    assert _api(users["auditor"]).post(url, body, format="json").status_code == 403
    assert _api(users["pm"]).post(url, body, format="json").status_code == 403
    request_id = _api(users["marketing"]).post(url, body, format="json").json()["id"]

    for role in ("marketing", "senior", "auditor", "customer"):
        response = _api(users[role]).post(f"/api/v1/marketing/offer-requests/{request_id}/take/")
        assert response.status_code == 403, role
    with pytest.raises(ProductPermissionError):  # the service itself refuses too
        offer_requests.campaign_offer_request_take(
            request=OfferRequest.objects.get(pk=request_id), actor=users["marketing"]
        )
    assert OfferRequest.objects.get(pk=request_id).state == "requested"
    assert Campaign.objects.get(pk=campaign.pk).promotion_id is None


def test_bad_requests_are_refused_and_nothing_changes(world):
    users, _live, campaign = world
    api = _api(users["marketing"])
    url = f"/api/v1/marketing/campaigns/{campaign.pk}/offer-request/"
    unknown = api.post(url, {**_request_body(), "product": "NOPE"}, format="json")
    assert unknown.status_code == 400
    backwards = api.post(
        url, {**_request_body(), "ends_on": str(clock.today() - dt.timedelta(days=1))}, format="json"
    )
    assert backwards.status_code == 400
    assert api.post(url, _request_body(), format="json").status_code == 201
    assert api.post(url, _request_body(), format="json").status_code == 409  # one open request
    assert OfferRequest.objects.count() == 1


def test_a_declined_request_leaves_the_campaign_and_catalogue_as_they_were(world):
    users, live, campaign = world
    with pytest.raises(MarketingForbidden):
        offer_requests.campaign_offer_request(
            campaign=campaign,
            actor=users["auditor"],
            product_code="CASH",
            kind="rate_discount",
            discount_bps=10,
            starts_on=clock.today(),
            ends_on=clock.today(),
        )
    request_id = (
        _api(users["marketing"])
        .post(f"/api/v1/marketing/campaigns/{campaign.pk}/offer-request/", _request_body(), format="json")
        .json()["id"]
    )
    pm = _api(users["pm"])
    assert pm.post(f"/api/v1/marketing/offer-requests/{request_id}/decline/", {}).status_code == 400
    declined = pm.post(f"/api/v1/marketing/offer-requests/{request_id}/decline/", {"reason": "margin"})
    assert declined.status_code == 200
    assert (declined.json()["state"], declined.json()["response"]) == ("declined", "margin")
    assert pm.post(f"/api/v1/marketing/offer-requests/{request_id}/take/").status_code == 409
    assert ProductVersion.objects.filter(product=live.product).count() == 1
    assert Campaign.objects.get(pk=campaign.pk).promotion_id is None
