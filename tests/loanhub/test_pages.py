"""Portal, admin, API docs and static files answer, in both languages, with DEBUG off."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("zh-hans", "申请之前就看清全部成本的贷款"), ("en", "Loans that show their full cost before you apply")],
)
def test_home_page_in_each_language(client, language, heading):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert heading in html
    assert f'<html lang="{language}">' in html
    # The language switcher is a plain form: it works without JavaScript.
    assert 'action="/i18n/setlang/"' in html
    assert 'value="zh-hans"' in html
    assert 'value="en"' in html


def test_language_switch_persists(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Loans that show their full cost" in client.get("/").content.decode()


def test_stylesheet_is_served_by_whitenoise_with_debug_off(client, settings):
    assert settings.DEBUG is False
    response = client.get("/static/css/loanhub.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_api_docs_use_bundled_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "LoanHub API"


def test_admin_login_page(client):
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/admin/").status_code == 302
