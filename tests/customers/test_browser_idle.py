"""The idle-timeout warning in a real browser (Playwright driving Debian's Chromium), with the
customer's idle timeout shortened to a few seconds for the test: the warning appears before the
session expires, "Stay signed in" gives the session a whole new period on the server, and without
action the page says the session ended and the server has signed it out."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from loanhub import sessions
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"  # the factories' password
TIMEOUT = 12  # seconds; the warning comes half of it (6 s) before, as for any timeout under 4 min
BROWSER_LOCALE = {"zh-hans": "zh-CN", "en": "en-US"}


@pytest.fixture
def short_timeout(monkeypatch):
    # The live server runs in this process: the middleware, the page's timer data and the
    # session list all read the timeout through loanhub.sessions.idle_timeout.
    monkeypatch.setattr(sessions, "idle_timeout", lambda user: dt.timedelta(seconds=TIMEOUT))


def _signed_in_page(browser, base: str, language: str):
    customer = CustomerFactory()
    context = browser.new_context(
        locale=BROWSER_LOCALE[language], extra_http_headers={"Accept-Language": language}
    )
    page = context.new_page()
    page.goto(f"{base}/customers/login/?next=/customers/me/")
    page.fill("input[name=username]", customer.user.username)
    page.fill("input[name=password]", PASSWORD)
    # Before the click: the server starts the session's period after this moment (a lower bound
    # for its end); after the page: an upper bound for its start (on a slow machine a second later).
    submitted = time.monotonic()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/customers/me/")
    return page, submitted, time.monotonic()


def _server_keeps(page, base: str) -> bool:
    """Whether the server still has the session signed in (a page, not a redirect to sign in)."""
    response = page.request.get(f"{base}/customers/me/", max_redirects=0)
    return response.status == 200


def test_the_warning_comes_before_expiry_and_stay_signed_in_extends_the_session(
    live_server, browser, short_timeout
):
    base = live_server.url
    page, _, signed_in = _signed_in_page(browser, base, "zh-hans")
    box = page.locator("#idle-warning")
    assert box.is_hidden()

    page.locator("#idle-warning .idle-soon").wait_for(state="visible", timeout=TIMEOUT * 1000)
    shown_after = time.monotonic() - signed_in
    assert shown_after < TIMEOUT - 2  # before the session expires, with time to react
    assert "为了您的账户安全" in box.inner_text()
    assert page.locator("#idle-warning .idle-ended").is_hidden()

    page.locator("#idle-warning .idle-stay").click()
    box.wait_for(state="hidden", timeout=5000)  # the count starts afresh
    stayed = time.monotonic()
    # Past the first period's end: the server kept the session, and the page does not say it
    # ended (the new period's own warning may be showing: it comes half a period after the click)
    page.wait_for_timeout(max(0, (signed_in + TIMEOUT + 1 - time.monotonic()) * 1000))
    assert time.monotonic() - stayed < TIMEOUT - 1  # still inside the new period
    assert page.locator("#idle-warning .idle-ended").is_hidden()
    assert _server_keeps(page, base)


def test_without_action_the_customer_is_signed_out(live_server, browser, short_timeout):
    base = live_server.url
    page, submitted, _ = _signed_in_page(browser, base, "en")

    page.locator("#idle-warning .idle-soon").wait_for(state="visible", timeout=TIMEOUT * 1000)
    assert "you will be signed out" in page.locator("#idle-warning .idle-soon").inner_text()
    page.locator("#idle-warning .idle-ended").wait_for(state="visible", timeout=TIMEOUT * 1000)
    assert time.monotonic() - submitted >= TIMEOUT - 1  # not before the timeout
    assert page.locator("#idle-warning .idle-stay").is_hidden()
    assert "You were signed out" in page.locator("#idle-warning .idle-ended").inner_text()
    page.wait_for_timeout(1000)  # the server's own count, from its last recorded activity
    assert not _server_keeps(page, base)
    page.locator("#idle-warning .idle-sign-in").click()
    page.wait_for_url(f"{base}/customers/login/**")
    assert page.locator("input[name=password]").is_visible()
