"""The customer's way in, in a real browser (Playwright driving Debian's Chromium), on a phone in
Chinese (390 px) and on a desktop in English (1280 px):

home (featured products, the way to apply; on the phone the menu opens with CSS alone) →
"Find your loan" → the catalogue → tick two products → Compare (reached by clicking, no typed
codes) → Apply from the comparison → sign in → the application form prefilled with the compared
loan; and the site's own 404 page. Chinese pages show no English words (outside a short
allow-list). Screenshots of every step are saved under var/screenshots/ (gitignored).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.db import connections

from conftest import CHROMIUM
from tests.applications.conftest import make_customer
from tests.portal.test_english_on_chinese_pages import english_words

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "portal-pass-2026"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CASES = [("zh-hans", "zh-CN", 390), ("en", "en-US", 1280)]


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                yield browser
                browser.close()
            finally:
                # See tests/applications/test_browser_journey.py: close what the greenlets left open.
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)


def no_english(page, language: str) -> None:
    if language == "zh-hans":
        assert english_words(page.content()) == set(), page.url


@pytest.mark.parametrize(("language", "locale", "width"), CASES)
def test_home_to_compare_to_apply(live_server, browser, catalogue, language, locale, width):
    customer = make_customer("portal-wang")
    customer.user.set_password(PASSWORD)
    customer.user.save()
    base = live_server.url
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    tag = f"{language}-{width}"

    # 1. Home: featured products, each with an Apply link; the phone's menu opens without script.
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == language
    featured = page.locator("article.featured-card")
    assert featured.count() == 3
    for index in range(featured.count()):
        assert featured.nth(index).locator("a.apply").get_attribute("href").startswith("/apply/?product=")
    no_english(page, language)
    shot(page, f"01-home-{tag}")
    nav = page.locator("nav.main-nav")
    if width < 700:
        assert not nav.is_visible()
        page.locator("label.nav-toggle-label").click()
        assert nav.is_visible()
        shot(page, f"02-menu-open-{tag}")
        # Nothing of the header is wider than the screen (no link broken over lines).
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    else:
        assert nav.is_visible()
        assert not page.locator("label.nav-toggle-label").is_visible()

    # 2. The call to action leads to the catalogue; tick two products and compare them.
    page.locator("a.cta-primary").click()
    page.wait_for_url(f"{base}/products/")
    no_english(page, language)
    shot(page, f"03-catalogue-{tag}")
    page.check("input[name=codes][value=HOME]")
    page.check("input[name=codes][value=SHORT]")
    page.locator("button.compare-submit").first.click()
    page.wait_for_selector("table.compare")
    assert urlparse(page.url).path == "/products/compare/"
    assert page.locator("table.compare th.product-name").count() == 2
    assert page.locator("table.compare .errorlist").count() == 0
    assert page.locator("input[name=codes][value=HOME]").is_checked()
    no_english(page, language)
    shot(page, f"04-compare-{tag}")

    # 3. Apply from the comparison: sign in, then the form holds the compared loan.
    apply_href = page.locator("table.compare a.apply").first.get_attribute("href")
    asked = parse_qs(urlparse(apply_href).query)
    page.locator("table.compare a.apply").first.click()
    page.fill("input[name=username]", customer.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("form.apply-form")
    assert page.input_value("input[name=amount]") == asked["amount"][0]
    assert page.input_value("input[name=term]") == asked["term"][0]
    shot(page, f"05-apply-{tag}")

    # 4. The site's own 404 page, in the page's language.
    response = page.goto(f"{base}/no-such-page/")
    assert response.status == 404
    assert page.locator("section.error-page[data-status='404']").is_visible()
    assert page.locator("section.error-page a.button").first.get_attribute("href") == "/"
    no_english(page, language)
    shot(page, f"06-not-found-{tag}")

    # 5. Loan words in plain language, one click from the catalogue.
    page.goto(f"{base}/products/")
    page.locator(".hero a[href='/products/terms-explained/']").click()
    page.wait_for_selector("#apr")
    no_english(page, language)
    shot(page, f"07-terms-explained-{tag}")
    context.close()
