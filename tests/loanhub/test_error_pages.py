"""Outside the REST framework's views, /api/ still answers 403, 404 and 500 with the API's error
body; every other path has the portal's own HTML pages (tests/portal/test_error_pages.py).
handler403/handler404/handler500 apply only with DEBUG off."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext as _

from loanhub.errors import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db


def _crash(*args, **kwargs):
    raise RuntimeError("a bug")


@pytest.fixture
def client_500():
    """A client that returns the 500 page instead of re-raising the view's exception."""
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


@override_settings(DEBUG=False)
def test_an_unknown_api_path_is_a_json_404_in_the_one_body_shape(client):
    response = client.get("/api/v1/does-not-exist/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found", "errors": {}, "state": None}


@override_settings(DEBUG=False)
def test_an_unknown_page_is_an_html_404(client):
    response = client.get("/does-not-exist/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b'data-status="404"' in response.content


@override_settings(DEBUG=False)
def test_a_bug_in_an_api_view_is_a_json_500_that_shows_nothing_of_it(client_500, monkeypatch):
    monkeypatch.setattr("products.api.views.selectors.product_list_active", _crash)
    response = client_500.get("/api/v1/products/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "A server error occurred.",
        "code": "server_error",
        "errors": {},
        "state": None,
    }


@override_settings(DEBUG=False)
def test_a_bug_in_a_page_is_an_html_500(client_500, monkeypatch):
    monkeypatch.setattr("products.pages.views.pagecache.render_content", _crash)
    response = client_500.get("/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b'data-status="500"' in response.content


def _connection_lost(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@override_settings(DEBUG=False)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_page_whose_database_connection_was_lost_is_a_503_to_retry(client_500, monkeypatch, language):
    monkeypatch.setattr("products.pages.views.pagecache.render_content", _connection_lost)
    response = client_500.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    with translation.override(language):
        assert str(_("Briefly unavailable")) in page
    assert "server closed" not in page
