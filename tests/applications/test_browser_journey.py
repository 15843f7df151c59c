"""The whole journey in a real browser (Playwright driving Debian's Chromium).

calculator → product → sign in → apply → the status page shows the approval → the customer
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

from applications.models import LoanApplication, State
from conftest import CHROMIUM
from servicing.models import Loan
from tests.applications.conftest import STRONG

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

    # 3. The application form, prefilled from the product page.
    page.wait_for_selector("form.apply-form")
    assert page.input_value("input[name=amount]").startswith("50000")
    for name, value in STRONG.items():
        page.select_option(f"select[name={name}]", value)
    page.check("input[name=credit_check_consent]")
    shot(page, "03-apply")
    page.locator("form.apply-form button[type=submit]").click()

    # 4. The status page: scored and approved (the scorecard ran after the commit).
    page.wait_for_selector("#state")
    application = LoanApplication.objects.get(customer=customer)
    assert application.state == State.APPROVED, application.events.values_list("to_state", "reason")
    assert page.locator("#state").inner_text() == str(State.APPROVED.label)
    shot(page, "04-approved")

    # 5. The final disclosure and acceptance.
    page.locator("a.apply").click()
    page.wait_for_selector("#offer-apr")
    shot(page, "05-offer")
    page.check("input[name=disclosure]")
    page.check("input[name=credit_contract]")
    page.locator("form.accept-offer button[type=submit]").click()
    page.wait_for_selector("#state")
    assert page.locator("#state").inner_text() == str(State.OFFER_ACCEPTED.label)

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
