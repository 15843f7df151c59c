"""The whole journey in a real browser (Playwright driving Debian's Chromium).

calculator → product → sign in → the application wizard (loan with the live preview, about you,
identity card, review and consent) → the status page shows the approval → the customer
accepts the offer → an officer disburses in the admin console → the customer sees the loan and
its schedule. Screenshots of every page are saved under var/screenshots/ as test artifacts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import translation

from applications.models import LoanApplication, State
from conftest import CHROMIUM
from servicing.models import Loan
from tests.applications.conftest import PNG_CARD, STRONG

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-2026"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
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
                # The ORM calls the test makes while Playwright's sync API (greenlets) is running
                # leave a connection that pytest-django's teardown does not close; close it here, or
                # the test database cannot be dropped at the end of the run ("accessed by other users").
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def api_installment(customer, product, amount: str) -> str:
    """The first installment the quote API gives the customer (the wizard's preview must match)."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(customer.user)
    asked = {"amount": amount, "term": 24, "method": "annuity", "frequency": "monthly", "channel": "web"}
    quote = api.post(f"/api/v1/products/{product.product.code}/quote/", asked, format="json").json()
    return quote["installments"][0]["payment"]


def english(label) -> str:
    """A label as the page (en-US) shows it, whatever language an in-process API call left active."""
    with translation.override("en"):
        return str(label)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()


def test_calculator_to_disbursed_loan(live_server, browser, risk_ready, product, customer, users):
    customer.user.set_password(PASSWORD)
    customer.user.save()
    officer = users["officer"]
    officer.set_password(PASSWORD)
    officer.save()
    base = live_server.url
    page = browser.new_context(locale="en-US").new_page()

    # 1. The calculator: the APR before anything else.
    page.goto(
        f"{base}/calculator/?principal=50000&annual_rate=6&term=24&method=annuity&frequency=monthly&day_count=30/360"
    )
    assert page.locator("#apr").inner_text().endswith("%")
    shot(page, "01-calculator")

    # 2. The product, with a quote; "Apply" asks the customer to sign in first.
    page.goto(
        f"{base}/products/{product.product.code}/?amount=50000&term=24&method=annuity&frequency=monthly"
    )
    shot(page, "02-product")
    page.locator("a.apply").click()
    page.fill("input[name=username]", customer.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()

    # 3. The wizard. The loan, prefilled from the product page, with the preview already shown
    # (computed on the server) and refreshed by static/js/wizard.js from the quote API as the
    # customer types: both equal to the quote API to the cent.
    page.wait_for_selector("form#wizard-loan")
    assert page.input_value("input[name=amount]").startswith("50000")
    assert page.input_value("select[name=purpose]") == ""  # nothing chosen for the customer
    preview = page.locator("#wizard-preview")
    assert preview.get_attribute("data-installment") == api_installment(customer, product, "50000")
    page.fill("input[name=amount]", "60000")
    expected = api_installment(customer, product, "60000")
    page.wait_for_function(
        "value => document.getElementById('wizard-preview').dataset.installment === value", arg=expected
    )
    page.select_option("select[name=purpose]", STRONG["purpose"])
    shot(page, "03-wizard-loan")
    page.locator("form#wizard-loan button[name=next]").click()
    # About you: the profile is prefilled; the facts asked on the application start unanswered.
    page.wait_for_selector("select[name=housing]")
    page.fill("input[name=region]", "北京")
    for name, value in STRONG.items():
        if name != "purpose":
            page.select_option(f"select[name={name}]", value)
    shot(page, "03-wizard-about")
    page.locator("form.wizard-form button.apply").click()
    # Documents: the identity card (no OCR here: the customer is asked to check what they typed).
    page.wait_for_selector("input[name=file]")
    page.set_input_files(
        "input[name=file]", files=[{"name": "card.png", "mimeType": "image/png", "buffer": PNG_CARD}]
    )
    shot(page, "03-wizard-documents")
    page.locator("form.wizard-form button.apply").click()
    # Review and consent (asked once), then submit.
    page.wait_for_selector("input[name=credit_check_consent]")
    page.check("input[name=credit_check_consent]")
    shot(page, "03-wizard-review")
    page.locator("form.wizard-form button.apply").click()

    # 4. The status page: scored and approved (the scorecard ran after the commit).
    page.wait_for_selector("#state")
    application = LoanApplication.objects.get(customer=customer)
    assert application.state == State.APPROVED, application.events.values_list("to_state", "reason")
    assert page.locator("#state").inner_text() == english(State.APPROVED.label)
    shot(page, "04-approved")

    # 5. The final disclosure and acceptance.
    page.locator("a.apply").click()
    page.wait_for_selector("#offer-apr")
    shot(page, "05-offer")
    page.check("input[name=disclosure]")
    page.check("input[name=credit_contract]")
    page.locator("form.accept-offer button[type=submit]").click()
    page.wait_for_selector("#state")
    assert page.locator("#state").inner_text() == english(State.OFFER_ACCEPTED.label)

    # 6. An officer disburses in the admin console.
    officer_page = browser.new_context(locale="en-US").new_page()
    sign_in(
        officer_page,
        base,
        f"/admin/login/?next=/admin/applications/loanapplication/{application.pk}/change/",
        officer.username,
    )
    officer_page.wait_for_selector("a.officer-action[data-action=disburse]")
    shot(officer_page, "06-officer-console")
    officer_page.locator("a.officer-action[data-action=disburse]").click()
    officer_page.locator("input[type=submit]").click()
    officer_page.wait_for_selector(".messagelist")
    shot(officer_page, "07-disbursed")
    application.refresh_from_db()
    assert application.state == State.DISBURSED
    loan = Loan.objects.get(origin_ref=str(application))

    # 7. The customer sees the loan and its schedule.
    page.goto(f"{base}/loans/")
    page.locator(f"text={loan.number}").first.click()
    page.wait_for_selector("table.schedule")
    rows = page.locator("table.schedule tbody tr").count()
    assert rows == loan.installments.count() == 24
    assert re.sub(r"[^\d.]", "", page.locator(".principal").inner_text()) == f"{loan.principal:.2f}"
    shot(page, "08-loan")
