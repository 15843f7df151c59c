"""The admin screens of campaigns' offer requests: marketing and product managers see the list and
the detail; only a product manager takes a request into a draft product version or declines it,
through the same services as the API; in zh-hans and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from loanhub import clock
from marketing import offer_requests
from marketing.models import OfferRequest, OfferRequestState
from products import choices as pc
from products.models import ProductVersion
from tests.marketing.test_offer_requests import world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(world):  # noqa: F811
    users, live, campaign = world
    today = clock.today()
    offer_request = offer_requests.campaign_offer_request(
        campaign=campaign,
        actor=users["marketing"],
        product_code="CASH",
        kind=pc.PromotionKind.RATE_DISCOUNT,
        discount_bps=40,
        starts_on=today,
        ends_on=today + dt.timedelta(days=60),
    )
    return users, live, campaign, offer_request


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


URL = "/admin/marketing/offerrequest/"


@pytest.mark.parametrize("role", ["marketing", "pm", "auditor"])
def test_managers_see_the_list_and_the_detail(requested, role):
    users, _live, campaign, offer_request = requested
    client = _client(users[role])

    listing = client.get(URL)
    detail = client.get(f"{URL}{offer_request.pk}/change/")

    assert listing.status_code == 200
    assert f"c{campaign.pk}-offer" in listing.content.decode()
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "40 basis points off the rate" in page
    # Only a product manager is offered the actions.
    assert ("offer-request-take-link" in page) is (role == "pm")
    assert ("offer-request-decline-link" in page) is (role == "pm")


def test_the_detail_is_in_chinese(requested):
    users, _live, _campaign, offer_request = requested
    page = _client(users["pm"], "zh-hans").get(f"{URL}{offer_request.pk}/change/").content.decode()
    assert "降息 40 个基点" in page
    assert "纳入草稿版本" in page


@pytest.mark.parametrize("role", ["marketing", "auditor", "officer"])
def test_no_one_but_a_product_manager_takes_or_declines_and_nothing_changes(requested, role):
    users, _live, _campaign, offer_request = requested
    versions = ProductVersion.objects.count()
    client = _client(users[role])

    for action, body in (("take", {}), ("decline", {"reason": "no"})):
        assert client.get(f"{URL}{offer_request.pk}/{action}/").status_code == 403
        assert client.post(f"{URL}{offer_request.pk}/{action}/", body).status_code == 403

    offer_request.refresh_from_db()
    assert offer_request.state == OfferRequestState.REQUESTED
    assert ProductVersion.objects.count() == versions


def test_a_product_manager_takes_it_into_a_draft_version(requested):
    users, live, campaign, offer_request = requested
    client = _client(users["pm"])
    assert "second reviewer" in client.get(f"{URL}{offer_request.pk}/take/").content.decode()

    response = client.post(f"{URL}{offer_request.pk}/take/")

    assert response.status_code == 302
    assert response["Location"] == f"{URL}{offer_request.pk}/change/"
    offer_request.refresh_from_db()
    assert offer_request.state == OfferRequestState.IN_CATALOGUE
    draft = ProductVersion.objects.get(pk=offer_request.version_id)
    assert draft.status == pc.ProductStatus.DRAFT
    assert draft.promotions.get(code=offer_request.code).segments == [pc.invitation(offer_request.code)]
    campaign.refresh_from_db()
    assert campaign.promotion.version_id == draft.pk
    # Handled: a second take is refused with the service's message, and nothing more is drafted.
    again = client.post(f"{URL}{offer_request.pk}/take/", follow=True)
    assert "already handled" in again.content.decode()
    assert ProductVersion.objects.filter(product=live.product).count() == 2
    page = client.get(f"{URL}{offer_request.pk}/change/").content.decode()
    assert "in a product version (draft)" in page
    assert "offer-request-take-link" not in page


def test_a_product_manager_declines_with_a_reason(requested):
    users, _live, campaign, offer_request = requested
    client = _client(users["pm"])

    refused = client.post(f"{URL}{offer_request.pk}/decline/", {"reason": ""})
    assert refused.status_code == 200
    assert OfferRequest.objects.get(pk=offer_request.pk).state == OfferRequestState.REQUESTED

    response = client.post(f"{URL}{offer_request.pk}/decline/", {"reason": "Margin too thin"})

    assert response.status_code == 302
    offer_request.refresh_from_db()
    assert (offer_request.state, offer_request.response) == (OfferRequestState.DECLINED, "Margin too thin")
    assert offer_request.handled_by == users["pm"]
    campaign.refresh_from_db()
    assert campaign.promotion_id is None
