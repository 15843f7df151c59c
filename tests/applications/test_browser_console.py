"""The officer console in a real browser at 1280 px, in both languages: the start page, the default
queue and an application's decision screen, with screenshots under var/screenshots/. The queue's
headers and short values do not wrap per character, and no column is cut off."""

from __future__ import annotations

import pytest

from tests.applications.conftest import State, in_state
from tests.applications.test_browser_journey import PASSWORD, browser, shot  # noqa: F401

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_console_at_1280_px(live_server, browser, users, other_customer, product, language):  # noqa: F811
    officer = users["officer"]
    officer.set_password(PASSWORD)
    officer.save()
    referred = in_state(State.REFERRED, other_customer, product, assigned_officer=officer)
    in_state(State.SCORED, other_customer, product)
    in_state(State.DRAFT, other_customer, product)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": language})
    base = live_server.url

    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form input[type=submit]").click()
    page.wait_for_selector("#console-queue")
    shot(page, f"console-start-{language}-1280")
    assert page.locator(".console-panel").count() == 4
    for panel in page.locator(".console-panel").all():  # no table wider than its panel
        assert panel.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), panel.get_attribute("id")

    page.goto(f"{base}/admin/applications/loanapplication/")
    shot(page, f"console-queue-{language}-1280")
    assert page.locator("#result_list tbody tr").count() == 2  # the draft is not in the queue
    for cell in page.locator("#result_list thead th, #result_list tbody td").all():
        box = cell.bounding_box()
        fits = cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        assert box["height"] < 60, cell.inner_text()  # one or two lines, never a column of characters
        assert fits, cell.inner_text()  # nothing cut off inside a cell

    page.goto(f"{base}/admin/applications/loanapplication/{referred.pk}/change/")
    shot(page, f"console-decision-{language}-1280")
    approve = page.locator('.officer-action[data-action="approve"]')
    assert approve.get_attribute("aria-disabled") == "true"  # no risk decision yet
    assert page.locator(".approve-blocked li").count() >= 1
    context.close()
