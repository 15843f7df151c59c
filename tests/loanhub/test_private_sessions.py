"""Signed-in responses are not cached, sessions end when idle, API tokens expire and can be
revoked, and a customer sees and ends their own sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from loanhub import clock
from loanhub.models import UserSession
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-7"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner():
    customer = CustomerFactory(user__username="owner")
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return customer


def later(**delta):
    return time_machine.travel(clock.now() + dt.timedelta(**delta), tick=False)


def no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


# --- Cache-Control ---------------------------------------------------------------------------
def test_every_signed_in_page_and_personal_api_is_private_no_store(client, owner):
    version = active_version()
    application = ApplicationFactory(customer=owner, product_version=version)
    loan = open_loan(ApplicationFactory(customer=owner, product_version=version), actor=UserFactory())
    client.force_login(owner.user)
    for url in (
        "/",
        "/products/",
        "/customers/me/",
        "/customers/me/sessions/",
        f"/applications/{application.pk}/",
        "/applications/",
        "/loans/",
        f"/loans/{loan.pk}/",
        "/api/v1/customers/me/",
        f"/api/v1/applications/{application.pk}/",
        "/api/v1/loans/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), (url, response.get("Cache-Control"))


def test_token_authenticated_api_is_private_no_store(owner):
    token = Token.objects.create(user=owner.user)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/loans/")
    assert response.status_code == 200
    assert no_store(response)


def test_anonymous_pages_and_static_files_keep_their_caching(client, owner):
    assert "no-store" not in client.get("/products/").get("Cache-Control", "")
    client.force_login(owner.user)
    assert "no-store" not in client.get("/static/css/loanhub.css").get("Cache-Control", "")


# --- idle timeout ----------------------------------------------------------------------------
def test_a_customer_session_ends_after_thirty_idle_minutes(client, owner):
    client.force_login(owner.user)
    assert client.get("/customers/me/").status_code == 200
    with later(minutes=29):
        assert client.get("/customers/me/").status_code == 200  # activity restarts the count
    with later(minutes=29 + 29):
        assert client.get("/customers/me/").status_code == 200
    with later(minutes=29 + 29 + 31):
        response = client.get("/customers/me/")
        assert response.status_code == 302
        assert response["Location"] == "/customers/login/?next=/customers/me/"
        # Signed out for good, not only on that one request.
        assert client.get("/customers/me/").status_code == 302
    assert not UserSession.objects.filter(user=owner.user).exists()


def test_staff_have_their_own_timeout_and_go_to_the_admin_login(client, settings):
    settings.LOANHUB_IDLE_TIMEOUT_STAFF_MINUTES = 5
    officer = UserFactory(username="officer", is_superuser=True)
    client.force_login(officer)
    assert client.get("/admin/").status_code == 200
    with later(minutes=6):
        response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_an_idle_session_on_the_api_is_a_401_in_the_one_error_body(client, owner):
    client.force_login(owner.user)
    assert client.get("/api/v1/customers/me/").status_code == 200
    with later(minutes=31):
        response = client.get("/api/v1/customers/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"detail", "code", "errors", "state"}


# --- API tokens ------------------------------------------------------------------------------
def _token(api) -> dict:
    response = api.post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_token_expires_after_its_lifetime_and_a_new_one_is_issued(owner, settings):
    settings.LOANHUB_TOKEN_TTL_HOURS = 24
    issued = _token(APIClient())
    expires_at = dt.datetime.fromisoformat(issued["expires_at"])
    assert expires_at - clock.now() > dt.timedelta(hours=23, minutes=59)
    assert expires_at - clock.now() <= dt.timedelta(hours=24)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {issued['token']}", HTTP_ACCEPT_LANGUAGE="en")
    with later(hours=23):
        assert api.get("/api/v1/customers/me/").status_code == 200
        assert _token(APIClient())["token"] == issued["token"]  # still live: the same token
    with later(hours=25):
        refused = api.get("/api/v1/customers/me/")
        assert refused.status_code == 401
        assert refused.json()["code"] == "not_authenticated"
        assert refused.json()["detail"] == "The token has expired; ask for a new one."
        fresh = _token(APIClient())
        assert fresh["token"] != issued["token"]
        renewed = APIClient(HTTP_AUTHORIZATION=f"Token {fresh['token']}")
        assert renewed.get("/api/v1/customers/me/").status_code == 200


def test_the_caller_revokes_their_token(owner):
    key = _token(APIClient())["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    assert not Token.objects.filter(user=owner.user).exists()
    assert api.get("/api/v1/customers/me/").status_code == 401


def test_a_token_request_does_not_use_the_browsers_session_nor_keep_it_alive(client, owner):
    # Given a signed-in browser whose API calls also carry a token
    client.force_login(owner.user)
    assert client.get("/api/v1/customers/me/").status_code == 200
    key = _token(APIClient())["token"]
    with later(minutes=20), CaptureQueriesContext(connection) as queries:
        # When the token answers a call with the session's cookie beside it
        response = client.get("/api/v1/customers/me/", HTTP_AUTHORIZATION=f"Token {key}")
    # Then the session was not read (no query) and its idle time was not restarted by the token
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    with later(minutes=31):
        assert client.get("/api/v1/customers/me/").status_code == 401
    assert not UserSession.objects.filter(user=owner.user).exists()


def test_a_wrong_token_is_refused_even_beside_a_live_session(client, owner):
    client.force_login(owner.user)
    assert client.get("/api/v1/customers/me/").status_code == 200
    response = client.get("/api/v1/customers/me/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert client.get("/api/v1/customers/me/").status_code == 200  # the session itself lives on


def test_a_token_with_a_nul_byte_is_refused_not_an_error(owner):
    response = APIClient(HTTP_AUTHORIZATION="Token a\x00b").get("/api/v1/customers/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoking_needs_credentials():
    response = APIClient().post("/api/v1/auth/token/revoke/")
    assert response.status_code == 401


# --- my sessions -----------------------------------------------------------------------------
def _signed_in(user, browser: str) -> Client:
    client = Client(HTTP_USER_AGENT=browser)
    client.force_login(user)
    assert client.get("/customers/me/").status_code == 200
    return client


def test_the_customer_lists_their_sessions_and_signs_one_out(owner):
    laptop = _signed_in(owner.user, "Mozilla/5.0 (X11; Linux) Firefox/140.0")
    phone = _signed_in(owner.user, "Mozilla/5.0 (iPhone) " + "x" * 300)
    stranger = _signed_in(CustomerFactory(user__username="stranger").user, "Stranger/1.0")
    html = laptop.get("/customers/me/sessions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Firefox/140.0" in html
    assert "iPhone" in html
    assert "Stranger/1.0" not in html
    assert html.count('<tr class="session') == 2
    assert 'class="session current"' in html
    assert len(UserSession.objects.get(session_key=phone.session.session_key).user_agent) == 120

    others = UserSession.objects.get(user__username="stranger")
    laptop.post("/customers/me/sessions/", {"session": others.pk})  # not theirs: nothing happens
    assert stranger.get("/customers/me/").status_code == 200

    mine = UserSession.objects.get(session_key=phone.session.session_key)
    response = laptop.post("/customers/me/sessions/", {"session": mine.pk})
    assert response.status_code == 302
    assert phone.get("/customers/me/").status_code == 302  # signed out
    assert laptop.get("/customers/me/").status_code == 200


def test_sign_out_everywhere_else_keeps_this_session_and_revokes_the_token(owner):
    here = _signed_in(owner.user, "Here/1.0")
    there = _signed_in(owner.user, "There/1.0")
    elsewhere = _signed_in(owner.user, "Elsewhere/1.0")
    Token.objects.create(user=owner.user)
    response = here.post("/customers/me/sessions/", {"action": "end-others"})
    assert response.status_code == 302
    assert there.get("/customers/me/").status_code == 302
    assert elsewhere.get("/customers/me/").status_code == 302
    assert here.get("/customers/me/").status_code == 200
    assert not Token.objects.filter(user=owner.user).exists()
    assert list(UserSession.objects.filter(user=owner.user).values_list("user_agent", flat=True)) == [
        "Here/1.0"
    ]


def test_sessions_page_in_chinese(owner):
    client = _signed_in(owner.user, "Firefox")
    html = client.get("/customers/me/sessions/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录会话" in html


def test_the_idle_warning_counts_from_the_servers_last_activity_and_stay_signed_in_restarts_it(
    client, owner, settings
):
    """Activity is recorded at most once a minute, so a page opened 30 s after the last record
    has 30 s less than the whole period; "Stay signed in" (its keep-alive header) records it at
    once, or the server would end the session before the page's new count does."""
    settings.LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES = 30
    client.force_login(owner.user)
    assert _seconds_left(client) == 1800
    with later(seconds=30):  # (the real clock moves a little between the steps too)
        assert 1769 <= _seconds_left(client) <= 1770
    with later(seconds=40):
        client.get("/customers/me/", headers={"X-LoanHub-Keep-Alive": "1"})
    with later(seconds=45):
        assert 1794 <= _seconds_left(client) <= 1795
    with later(minutes=30, seconds=20):  # 30 min after the keep-alive would be past; 29:40 is not
        assert client.get("/customers/me/").status_code == 200


def _seconds_left(client) -> int:
    html = client.get("/customers/me/").content.decode()
    return int(re.search(r'data-seconds-left="(\d+)"', html).group(1))
