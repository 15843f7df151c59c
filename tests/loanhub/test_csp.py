"""Content-Security-Policy (django-csp): every page sends it, and no page needs an exception to it
— no inline <script>, no <style> element and no style="" attribute (SVG included)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from loanhub import clock
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data, never executed


class _InlineFinder(HTMLParser):
    """Collects what the policy would block: inline scripts, <style> elements, style attributes
    and on…= event handler attributes."""

    def __init__(self):
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.blocked.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.blocked.append(f"<style> at line {self.getpos()[0]}")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=…> at line {self.getpos()[0]}")

    handle_startendtag = handle_starttag


def blocked_inline(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.blocked


def parse_policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_page_keeps_the_policy(response):
    assert response.status_code == 200, response.status_code
    assert parse_policy(response["Content-Security-Policy"]) == POLICY
    assert blocked_inline(response.content.decode()) == []


def test_the_checker_sees_what_the_policy_blocks():
    html = (
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
        '<script>alert(1)</script><style>p{}</style><p style="color:red">x</p>'
        '<svg><rect style="fill:red"/></svg><a onclick="x()">y</a>'
    )
    assert len(blocked_inline(html)) == 5


@pytest.fixture
def portal():
    version = active_version()
    owner = CustomerFactory(user__username="owner")
    officer = UserFactory(username="officer")
    application = ApplicationFactory(customer=owner, product_version=version)
    loan = open_loan(ApplicationFactory(customer=owner, product_version=version), actor=officer)
    return {"version": version, "owner": owner.user, "application": application, "loan": loan}


def calculator_query() -> dict[str, str]:
    return {
        "principal": "100000",
        "annual_rate": "6",
        "term": "12",
        "frequency": "monthly",
        "day_count": "30/360",
        "start_date": clock.today().isoformat(),
        "method": "annuity",
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_pages_keep_the_policy(client, portal, language):
    code = portal["version"].product.code
    for url, params in [
        ("/", {}),
        ("/calculator/", {}),
        ("/calculator/", calculator_query()),
        ("/products/", {}),
        (f"/products/{code}/", {}),
        ("/products/compare/", {"codes": code}),
        ("/customers/login/", {}),
        ("/customers/signup/", {}),
    ]:
        assert_page_keeps_the_policy(client.get(url, params, HTTP_ACCEPT_LANGUAGE=language))


def test_calculator_charts_are_svg_without_style_attributes(client):
    response = client.get("/calculator/", calculator_query())
    assert response.content.decode().count("<svg") >= 2
    assert_page_keeps_the_policy(response)


def test_signed_in_pages_keep_the_policy(client, portal):
    client.force_login(portal["owner"])
    code = portal["version"].product.code
    for url in [
        f"/apply/new/?product={code}",
        "/applications/",
        f"/applications/{portal['application'].pk}/",
        "/loans/",
        f"/loans/{portal['loan'].pk}/",
        "/customers/me/",
    ]:
        assert_page_keeps_the_policy(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))


def test_admin_pages_keep_the_policy(client, portal):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    urls = ["/admin/", f"/admin/applications/loanapplication/{portal['application'].pk}/change/"]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    for url in urls:
        response = client.get(url)
        assert_page_keeps_the_policy(response)


def test_admin_login_keeps_the_policy(client):
    assert_page_keeps_the_policy(client.get("/admin/login/"))


def test_swagger_ui_runs_under_the_site_policy(client):
    response = client.get("/api/docs/")
    assert_page_keeps_the_policy(response)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_alone_may_inject_styles(client):
    """ReDoc's bundle writes <style> elements at run time: its page alone allows inline style,
    and still no inline script; the page itself carries none."""
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    policy = parse_policy(response["Content-Security-Policy"])
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["worker-src"] == "'self' blob:"  # its search index runs in a blob worker
    assert policy["script-src"] == "'self'"
    assert blocked_inline(response.content.decode()) == []
    assert "fonts.googleapis.com" not in response.content.decode()


def test_no_template_carries_what_the_policy_blocks():
    """Every template, reached by a page test or not (the contract page once had a <style> element
    and an onclick handler, so its layout and Print button silently did nothing)."""
    import re
    from pathlib import Path

    from django.conf import settings

    comments = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
    blocked = re.compile(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=|<script(?![^>]*\bsrc=)[^>]*>", re.I)
    found = []
    for path in sorted(Path(settings.BASE_DIR).glob("**/templates/**/*.html")):
        if ".venv" in path.parts:
            continue
        source = comments.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(settings.BASE_DIR)}: {hit}" for hit in blocked.findall(source)]
    assert found == []
