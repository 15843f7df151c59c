"""A customer prepays from the portal in a real browser (Playwright driving Debian's Chromium), on a
phone in Chinese (390 px) and on a desktop in English (1280 px) (issue 14):

sign in → the loan's page → "Prepay or settle early" → amount and mode → the quote (what to pay
now, the new schedule) → confirm → back on the loan's page with the thanks; the posting is, to the
cent, the total the page showed, and the page's figures are the service's quote. Screenshots of
every step are saved under var/screenshots/ (gitignored).
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings

from servicing import prepayments
from servicing.models import Repayment, ScheduleChange
from tests.servicing.test_prepayments import _loan

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "prepay-pass-2026"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CASES = [("zh-hans", "zh-CN", 390), ("en", "en-US", 1280)]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"prepay-{name}.png"), full_page=True)


def amount(text: str) -> D:
    """A figure as the page shows it ("¥20,123.45" or "20,123.45 元") as a Decimal."""
    return D("".join(ch for ch in text if ch.isdigit() or ch == "."))


@pytest.mark.parametrize(("language", "locale", "width"), CASES)
def test_a_customer_prepays_from_the_portal(live_server, browser, people, language, locale, width):
    # Given a loan three months in, every installment paid, and its owner with a password,
    loan = _loan(people)
    owner = people["owner"]
    owner.set_password(PASSWORD)
    owner.save()
    base = live_server.url
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    tag = f"{language}-{width}"

    # 1. Sign in on the way to the loan's page, and follow the prepayment link.
    page.goto(f"{base}/loans/{loan.pk}/")
    page.fill("input[name=username]", owner.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("a.prepay-link")
    assert page.locator("html").get_attribute("lang") == language
    shot(page, f"01-loan-{tag}")
    page.locator("a.prepay-link").click()
    page.wait_for_selector("form.prepay-form")
    assert page.url == f"{base}/loans/{loan.pk}/prepay/"
    shot(page, f"02-prepay-{tag}")

    # 2. Ask for a quote: 20 000.00 of principal, shortening the term.
    page.fill("input[name=amount]", "20000.00")
    page.check("input[name=mode][value=shorten_term]")
    page.locator("button.quote").click()
    page.wait_for_selector("section.prepay-quote")
    expected = prepayments.prepayment_quote(loan=loan, amount=D("20000.00"), mode="shorten_term")
    shown = amount(page.locator("dd.quote-total").inner_text())
    assert shown == expected["total"]
    assert amount(page.locator("dd.quote-principal").inner_text()) == D("20000.00")
    assert amount(page.locator("dd.quote-saved").inner_text()) == expected["interest_saved"]
    assert page.locator("table.new-schedule tbody tr").count() == len(expected["new_schedule"])
    assert not ScheduleChange.objects.exists()  # a quote posts nothing
    shot(page, f"03-quote-{tag}")

    # 3. Confirm: back on the loan's page with the thanks; the posting is the total shown.
    page.locator("form.prepay-confirm button.confirm").click()
    page.wait_for_url(f"{base}/loans/{loan.pk}/")
    shot(page, f"04-done-{tag}")
    change = ScheduleChange.objects.get(loan=loan)
    assert change.repayment.amount == shown
    assert change.repayment.channel == "portal"
    assert Repayment.objects.filter(loan=loan, reference="prepayment").count() == 1
    assert f"{shown:,.2f}" in page.content()
    context.close()
