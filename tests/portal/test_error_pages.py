"""Branded, translated 403, 404 and 500 pages with DEBUG off (handler403/404/500 of the root
URLconf); under /api/ the API's JSON error body instead (tests/loanhub/test_error_pages.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

PAGES = {
    ("zh-hans", 404): ["找不到该页面", "返回首页"],
    ("en", 404): ["We could not find that page", "Go to the home page"],
    ("zh-hans", 403): ["您无法打开此页面", "登录"],
    ("en", 403): ["You cannot open this page", "Sign in"],
    ("zh-hans", 500): ["我们这边出了点问题", "返回首页"],
    ("en", 500): ["Something went wrong on our side", "Go to the home page"],
}
PATHS = {404: "/no-such-page/", 403: "/test-forbidden/", 500: "/test-bug/"}


@pytest.fixture
def browser_client():
    """A client that gets the error page instead of the view's exception."""
    return Client(raise_request_exception=False)


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "status"), list(PAGES))
def test_error_pages_are_branded_and_translated(browser_client, language, status):
    response = browser_client.get(PATHS[status], HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f'<section class="error-page card" data-status="{status}">' in html
    assert '<link rel="stylesheet" href="/static/css/loanhub.css">' in html
    assert 'class="brand"' in html  # the site's header and its way back
    for words in PAGES[(language, status)]:
        assert words in html
    assert "6222" not in html  # nothing of the error reaches the page
    assert "Traceback" not in html


@override_settings(DEBUG=False)
def test_the_500_page_names_no_one(browser_client, db):
    from tests.products.factories import UserFactory

    user = UserFactory(username="wang-secret", is_staff=False)
    browser_client.force_login(user)
    html = browser_client.get("/test-bug/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "wang-secret" not in html
    assert "Sign out" not in html  # rendered without the request: no session, no user


@override_settings(DEBUG=False)
def test_a_403_under_the_api_is_the_json_error_body(browser_client):
    response = browser_client.get("/api/v1/test-forbidden/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "forbidden"


@override_settings(DEBUG=False)
def test_a_404_page_without_the_database_is_still_the_branded_page(browser_client, monkeypatch):
    def _no_database(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # Rendering the page with the request reads the session's user, which needs the database.
    monkeypatch.setattr("loanhub.views.render", _no_database)
    response = browser_client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
