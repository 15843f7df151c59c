"""GET /api/v1/rewards/me/, POST /api/v1/rewards/me/referral/ and the /rewards/ page: each
customer sees only their own points, in English and Chinese, without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from loanhub import clock, roles
from marketing.rewards import services
from marketing.rewards.models import EntryKind, PointsEntry, Referral
from tests.applications.conftest import make_customer
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db


def _earn(customer, points: int, *, expires_in: int = 365, key: str = "") -> PointsEntry:
    account = services.account_for(customer_id=customer.pk)
    return PointsEntry.objects.create(
        account=account,
        kind=EntryKind.EARN_REFERRAL,
        points=points,
        effective_on=clock.today(),
        expires_on=clock.today() + dt.timedelta(days=expires_in),
        key=key or f"test:{customer.pk}:{points}:{expires_in}",
    )


@pytest.fixture
def alice(db):
    customer = make_customer("alice-points")
    _earn(customer, 120, expires_in=10)
    _earn(customer, 80)
    return customer


@pytest.fixture
def bob(db):
    customer = make_customer("bob-points")
    _earn(customer, 5)
    return customer


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_gives_the_callers_own_points_only(alice, bob, settings):
    settings.LOANHUB_POINTS_EXPIRING_SOON_DAYS = 30
    body = _api(alice.user).get("/api/v1/rewards/me/").json()
    assert body["balance"] == 200
    assert body["available"] == 200
    assert body["expiring"] == [
        {"points": 120, "expires_on": (clock.today() + dt.timedelta(days=10)).isoformat()}
    ]
    assert [(h["kind"], h["points"]) for h in body["history"]] == [
        ("earn_referral", 80),
        ("earn_referral", 120),
    ]
    assert body["referral_code"] == services.account_for(customer_id=alice.pk).referral_code
    assert body["referral_link"] == f"http://testserver/rewards/?code={body['referral_code']}"
    assert body["redemption"] == {"points_per_bp": 10, "max_discount_bps": 50}
    assert _api(bob.user).get("/api/v1/rewards/me/").json()["balance"] == 5


def test_staff_have_no_points_and_anonymous_callers_none(alice):
    staff = UserFactory(username="marketing-pts", role=roles.MARKETING_MANAGER)
    assert _api(staff).get("/api/v1/rewards/me/").status_code == 404
    assert APIClient().get("/api/v1/rewards/me/").status_code == 401


def test_entering_a_referral_code_through_the_api(settings, alice, bob):
    settings.LANGUAGE_CODE = "zh-hans"  # the marketing tests default to English
    code = services.account_for(customer_id=alice.pk).referral_code
    response = _api(bob.user).post("/api/v1/rewards/me/referral/", {"code": code}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == code
    again = _api(bob.user).post("/api/v1/rewards/me/referral/", {"code": code}, format="json")
    assert again.status_code == 409
    own = _api(alice.user).post("/api/v1/rewards/me/referral/", {"code": code}, format="json")
    assert own.status_code == 400
    assert own.json()["errors"] == {"code": ["不能使用自己的推荐码。"]}  # the API speaks zh-hans by default
    assert list(Referral.objects.values_list("referrer", "referee")) == [(alice.pk, bob.pk)]


def test_the_page_shows_balance_expiring_history_and_referral_link(client, alice, bob):
    client.force_login(alice.user)
    code = services.account_for(customer_id=alice.pk).referral_code
    with translation.override("en"):
        page = client.get("/rewards/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-balance="200"' in html
    assert "200 points" in html
    assert "120 points expire on" in html
    assert f"http://testserver/rewards/?code={code}" in html
    assert html.count("Referral reached disbursement") == 2
    assert 'data-balance="5"' not in html


def test_the_page_in_chinese(client, alice):
    client.force_login(alice.user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/rewards/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "我的积分" in html
    assert "推荐码" in html


def test_a_referral_link_fills_the_form_and_the_form_records_the_code(client, alice, bob):
    code = services.account_for(customer_id=alice.pk).referral_code
    client.force_login(bob.user)
    page = client.get(f"/rewards/?code={code}")
    assert f'value="{code}"' in page.content.decode()
    response = client.post("/rewards/", {"code": code})
    assert response.status_code == 302
    assert Referral.objects.get().referee == bob
    page = client.get("/rewards/")
    assert "referral-form" not in page.content.decode()  # taken once


def test_an_invalid_code_on_the_page_is_shown_and_changes_nothing(settings, client, bob):
    settings.LANGUAGE_CODE = "zh-hans"  # the marketing tests default to English
    client.force_login(bob.user)
    response = client.post("/rewards/", {"code": "NOPE2345"})
    assert response.status_code == 400
    assert "推荐码不存在。" in response.content.decode()  # the portal speaks zh-hans by default
    assert not Referral.objects.exists()
