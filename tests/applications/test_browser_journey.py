"""The whole journey in a real browser (Playwright driving Debian's Chromium), at 1280 and 390 px,
in Chinese and in English (issue 17's "Done when").

The customer: home → "Find your loan" → the catalogue → tick two products → Compare (reached by
clicking) → the product → Apply → sign in → the wizard (the live preview equals the quote API to
the cent) → the identity card → review and consent → the status page (referred: the identity is not
verified yet). The officer: the console's start page (its counts are the database's) → the queue →
the application's decision screen (Approve blocked, with the reason) → the customer → Verify
identity → Approve. The customer: the offer, the contract, Accept. The officer disburses; the
customer sees the loan's schedule; the site's own 404 page.

At every page: a screenshot under var/screenshots/<language>-<width>/<step>.png; on Chinese pages
no English words outside a short allow-list and no raw codes (snake_case, UPPER_CODES); at 390 px
nothing wider than the screen.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import translation

from applications import selectors
from applications.models import LoanApplication, State
from customers.models import KycStatus
from loanhub import clock
from servicing.models import Loan
from tests.applications.conftest import GOOD_ID, PNG_CARD, STRONG, make_customer
from tests.portal.conftest import catalogue  # noqa: F401
from tests.portal.test_english_on_chinese_pages import english_words, raw_codes

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-2026"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
COMBOS = [("zh-hans", 390), ("zh-hans", 1280), ("en", 390), ("en", 1280)]
BROWSER_LOCALE = {"zh-hans": "zh-CN", "en": "en-US"}
# The test's own data, shown as entered: user names and product codes (not words to translate).
DATA = {"journey", "officer", "officer2", "senior", "senior2", "analyst", "analyst2", "auditor", "marketing"}
DATA |= {"CASH", "HOME", "SHORT"}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()


class Journey:
    """One language at one width: every page it checks is screenshot and scanned."""

    def __init__(self, language: str, width: int):
        self.language, self.width = language, width
        self.folder = SHOTS / f"{language}-{width}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.steps = 0
        self.problems = []

    def check(self, page, step: str) -> None:
        """Screenshot the page and note what is wrong with it (all pages' findings are asserted
        together at the end, so one run shows every finding)."""
        page.wait_for_load_state("load")
        self.steps += 1
        page.screenshot(path=str(self.folder / f"{self.steps:02d}-{step}.png"), full_page=True)
        found = {}
        if page.locator("html").get_attribute("lang") != self.language:
            found["lang"] = page.locator("html").get_attribute("lang")
        if self.language == "zh-hans":
            html = page.content()
            found["english"] = sorted(english_words(html) - DATA)
            found["codes"] = sorted(raw_codes(html) - DATA)
        if self.width < 700:
            wider = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            found["wider"] = wider if wider > 0 else None
        found = {name: value for name, value in found.items() if value}
        if found:
            self.problems.append((step, urlparse(page.url).path, found))

    def context(self, browser):
        context = browser.new_context(
            locale=BROWSER_LOCALE[self.language], viewport={"width": self.width, "height": 900}
        )
        context.set_extra_http_headers({"Accept-Language": self.language})
        return context


def quoted_installment(customer, code: str, loan: dict) -> str:
    """The first installment the quote API gives the customer (the wizard's preview must match)."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(customer.user)
    asked = {**loan, "channel": "web"}
    quote = api.post(f"/api/v1/products/{code}/quote/", asked, format="json").json()
    return quote["installments"][0]["payment"]


def shown(label, language: str) -> str:
    with translation.override(language):
        return str(label)


def console_counts_are_the_database(page, officer) -> None:
    """The start page's figures, each equal to a count the test makes itself."""
    open_states = {
        row["state"] for row in selectors.application_console_counts(user=officer, now=clock.now())["states"]
    }
    rows = page.locator("#console-states tr[data-state]")
    assert rows.count() == len(open_states)
    for row in rows.all():
        state = row.get_attribute("data-state")
        figure = int(row.locator("td.num").first.inner_text())
        assert figure == LoanApplication.objects.filter(state=state).count(), state
    waiting = LoanApplication.objects.filter(state__in=selectors.OFFICER_STATES)
    figures = page.locator("#console-queue .console-figure .figure")
    assert int(figures.nth(0).inner_text()) == waiting.filter(assigned_officer=officer).count()
    assert int(figures.nth(1).inner_text()) == waiting.filter(assigned_officer__isnull=True).count()


@pytest.mark.parametrize(("language", "width"), COMBOS, ids=[f"{lang}-{w}" for lang, w in COMBOS])
def test_customer_and_officer_journey(live_server, browser, risk_ready, catalogue, users, language, width):  # noqa: F811
    # Not verified yet: the scorecard approves, the identity check refers it to an officer.
    customer = make_customer(
        "journey", id_number=GOOD_ID, kyc=KycStatus.UNVERIFIED, legal_name="王小明", employer="北京远航科技"
    )
    customer.user.set_password(PASSWORD)
    customer.user.save()
    officer = users["officer"]
    officer.set_password(PASSWORD)
    officer.save()
    base = live_server.url
    journey = Journey(language, width)
    context = journey.context(browser)
    page = context.new_page()

    # 1. Home: featured products, each with an Apply link; on a phone the menu opens without script.
    page.goto(f"{base}/")
    featured = page.locator("article.featured-card")
    assert featured.count() == 3
    for card in featured.all():
        assert card.locator("a.apply").get_attribute("href").startswith("/apply/?product=")
    journey.check(page, "home")
    nav = page.locator("nav.main-nav")
    if width < 700:
        assert not nav.is_visible()
        page.locator("label.nav-toggle-label").click()
        assert nav.is_visible()
        journey.check(page, "home-menu-open")
    else:
        assert nav.is_visible()

    # 2. The catalogue; tick two products and compare them (by clicking, no typed codes).
    page.locator("a.cta-primary").click()
    page.wait_for_url(f"{base}/products/")
    journey.check(page, "catalogue")
    page.check("input[name=codes][value=CASH]")
    page.check("input[name=codes][value=SHORT]")
    page.locator("button.compare-submit").first.click()
    page.wait_for_selector("table.compare")
    assert urlparse(page.url).path == "/products/compare/"
    assert page.locator("table.compare th.product-name").count() == 2
    assert page.locator("table.compare .errorlist").count() == 0
    journey.check(page, "compare")

    # 3. The product, quoting the compared loan; Apply asks the customer to sign in.
    page.locator("table.compare th.product-name a[href^='/products/CASH/']").click()
    page.wait_for_selector("a.apply")
    assert urlparse(page.url).path == "/products/CASH/"
    journey.check(page, "product")
    page.locator("a.apply").first.click()
    page.wait_for_selector("input[name=username]")
    journey.check(page, "sign-in")
    page.fill("input[name=username]", customer.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()

    # 4. The wizard: the loan, with nothing chosen for the customer, and the live preview (shown
    # by the server, refreshed by static/js/wizard.js as the customer types) equal to the quote
    # API to the cent.
    page.wait_for_selector("form#wizard-loan")
    assert page.input_value("select[name=purpose]") == ""

    def loan(amount: str) -> dict:
        fields = ("term", "method", "frequency")
        return {"amount": amount, **{name: page.input_value(f"[name={name}]") for name in fields}}

    amount = page.input_value("input[name=amount]")
    preview = page.locator("#wizard-preview")
    assert preview.get_attribute("data-installment") == quoted_installment(customer, "CASH", loan(amount))
    page.fill("input[name=amount]", "60000")
    expected = quoted_installment(customer, "CASH", loan("60000"))
    page.wait_for_function(
        "value => document.getElementById('wizard-preview').dataset.installment === value", arg=expected
    )
    page.select_option("select[name=purpose]", STRONG["purpose"])
    journey.check(page, "wizard-loan")
    page.locator("form#wizard-loan button[name=next]").click()
    # About you: the profile is prefilled; the facts asked on the application start unanswered.
    page.wait_for_selector("select[name=housing]")
    page.fill("input[name=region]", "北京")
    for name, value in STRONG.items():
        if name != "purpose":
            page.select_option(f"select[name={name}]", value)
    journey.check(page, "wizard-about")
    page.locator("form.wizard-form button.apply").click()
    # Documents: the identity card.
    page.wait_for_selector("input[name=file]")
    page.set_input_files(
        "input[name=file]", files=[{"name": "card.png", "mimeType": "image/png", "buffer": PNG_CARD}]
    )
    journey.check(page, "wizard-documents")
    page.locator("form.wizard-form button.apply").click()
    # Review and consent (asked once), then submit.
    page.wait_for_selector("input[name=credit_check_consent]")
    page.check("input[name=credit_check_consent]")
    journey.check(page, "wizard-review")
    page.locator("form.wizard-form button.apply").click()

    # 5. The status page: referred to an officer (the identity is not verified yet).
    page.wait_for_selector("#state")
    application = LoanApplication.objects.get(customer=customer)
    assert application.state == State.REFERRED, application.events.values_list("to_state", "reason")
    assert application.amount == Decimal("60000.00")
    assert page.locator("#state").inner_text() == shown(State.REFERRED.label, language)
    journey.check(page, "status-referred")

    # 6. The officer: the start page's counts are the database's; the queue; the decision screen.
    officer_page = journey.context(browser).new_page()
    sign_in(officer_page, base, "/admin/login/?next=/admin/", officer.username)
    officer_page.wait_for_selector("#console-queue")
    journey.check(officer_page, "console-start")
    console_counts_are_the_database(officer_page, officer)
    if width >= 1280:  # no table wider than its panel
        for panel in officer_page.locator(".console-panel").all():
            assert panel.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), panel.get_attribute("id")
    officer_page.locator("#console-queue a.button").click()
    officer_page.wait_for_selector("#result_list")
    journey.check(officer_page, "console-queue")
    if width >= 1280:  # readable columns: no per-character wrapping, nothing cut off
        for cell in officer_page.locator("#result_list thead th, #result_list tbody td").all():
            assert cell.bounding_box()["height"] < 60, cell.inner_text()
            assert cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), cell.inner_text()
    change = f"/admin/applications/loanapplication/{application.pk}/change/"
    officer_page.locator(f"#result_list a[href='{change}']").first.click()
    officer_page.wait_for_selector(".approve-blocked")
    assert (
        officer_page.locator('.officer-action[data-action="approve"]').get_attribute("aria-disabled")
        == "true"
    )
    journey.check(officer_page, "decision-blocked")
    # Verify the identity (the card is on file), with a reason.
    officer_page.locator(".approve-blocked a").click()
    officer_page.locator("a[href$='/kyc/verify/']").click()
    officer_page.wait_for_selector("textarea[name=reason]")
    journey.check(officer_page, "kyc-verify")
    officer_page.fill("textarea[name=reason]", "身份证与本人一致")
    officer_page.locator("form input[type=submit]").click()
    officer_page.wait_for_load_state("load")
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.VERIFIED
    journey.check(officer_page, "kyc-verified")
    # Approve (keyboard-friendly: a link with an access key), with a reason.
    officer_page.goto(f"{base}{change}")
    approve = officer_page.locator('a.officer-action[data-action="approve"]')
    assert approve.get_attribute("accesskey") == "a"
    journey.check(officer_page, "decision")
    approve.click()
    officer_page.wait_for_selector("textarea[name=reason]")
    journey.check(officer_page, "approve-form")
    officer_page.fill("textarea[name=reason]", "身份已核实，评分通过")
    officer_page.locator("form input[type=submit]").click()
    officer_page.wait_for_selector(".messagelist")
    journey.check(officer_page, "approved")
    application.refresh_from_db()
    assert application.state == State.APPROVED

    # 7. The customer: the status page, the offer with its expiry, the contract; accept.
    page.goto(f"{base}/applications/{application.pk}/")
    assert page.locator("#state").inner_text() == shown(State.APPROVED.label, language)
    journey.check(page, "status-approved")
    page.locator("a.apply").click()
    page.wait_for_selector("#offer-apr")
    assert page.locator("#offer-expires").is_visible()
    journey.check(page, "offer")
    page.locator("#contract-link").click()
    page.wait_for_load_state("load")
    journey.check(page, "contract")
    page.go_back()
    page.wait_for_selector("form.accept-offer")
    page.check("input[name=disclosure]")
    page.check("input[name=credit_contract]")
    page.locator("form.accept-offer button[type=submit]").click()
    page.wait_for_selector("#state")
    assert page.locator("#state").inner_text() == shown(State.OFFER_ACCEPTED.label, language)
    journey.check(page, "offer-accepted")

    # 8. The officer disburses; the customer sees the loan and its schedule.
    officer_page.goto(f"{base}{change}")
    officer_page.locator("a.officer-action[data-action=disburse]").click()
    officer_page.locator("input[type=submit]").click()
    officer_page.wait_for_selector(".messagelist")
    journey.check(officer_page, "disbursed")
    application.refresh_from_db()
    assert application.state == State.DISBURSED
    loan_record = Loan.objects.get(origin_ref=str(application))
    page.goto(f"{base}/loans/")
    journey.check(page, "loans")
    page.locator(f"text={loan_record.number}").first.click()
    page.wait_for_selector("table.schedule")
    assert page.locator("table.schedule tbody tr").count() == loan_record.installments.count()
    assert re.sub(r"[^\d.]", "", page.locator(".principal").inner_text()) == f"{loan_record.principal:.2f}"
    journey.check(page, "loan")

    # 9. The site's own 404 page, in the page's language, with the way home.
    response = page.goto(f"{base}/no-such-page/")
    assert response.status == 404
    assert page.locator("section.error-page[data-status='404']").is_visible()
    assert page.locator("section.error-page a.button").first.get_attribute("href") == "/"
    journey.check(page, "not-found")
    context.close()
    (journey.folder / "problems.txt").write_text("\n".join(map(repr, journey.problems)) + "\n")
    assert journey.problems == []
