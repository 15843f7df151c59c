"""The monitoring dashboards in a real browser (Playwright driving Debian's Chromium), in Chinese
and in English (issue 15: "the dashboards render in the browser test"): a risk analyst signs in to
the admin and opens the portfolio dashboard, the portfolio mix, the risk page and the early
warning queue over a small demo history (`demo.history`, monitoring jobs run for each date). Each
page shows the figures the selectors compute and draws its charts as inline SVG; the same pages
render with the server's JavaScript-free markup (no script is needed to read them). Screenshots
are saved under var/screenshots/monitoring-* (gitignored).
"""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from demo.products import seed_products
from loanhub import roles
from monitoring import selectors
from tests.loanhub.browser import screenshot
from tests.products.factories import UserFactory

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]
PASSWORD = "monitoring-pass-2026"
CASES = [("zh-hans", "zh-CN"), ("en", "en-US")]


@pytest.fixture
def analyst():
    """A small book (four months, six borrowers) closed and monitored, and a risk analyst."""
    # The LPR history its migration loads, gone when an earlier browser test's database was flushed.
    importlib.import_module("products.migrations.0002_lpr_history").load_lpr(apps, None)
    roles.sync_roles()
    seed_products(
        maker=UserFactory(username="pm-mon-browser", role=roles.PRODUCT_MANAGER),
        checker=UserFactory(username="pm2-mon-browser", role=roles.PRODUCT_MANAGER),
    )
    UserFactory(username="officer-mon-browser", role=roles.LOAN_OFFICER)
    call_command("simulate_history", "--months", "4", "--customers", "6", "--seed", "5", stdout=io.StringIO())
    user = UserFactory(username="analyst-browser", role=roles.RISK_ANALYST)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_monitoring_dashboards_render_their_figures(live_server, browser, analyst):
    base = live_server.url
    as_of = selectors.latest_portfolio_date()
    assert as_of is not None, "the history ran no monitoring job"
    portfolio = selectors.portfolio_on(as_of)
    assert portfolio["loans"] > 0
    for language, locale in CASES:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/admin/login/?next=/admin/monitoring/portfolioday/")
        page.fill("input[name=username]", analyst.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form input[type=submit], form button[type=submit]").last.click()

        # The portfolio dashboard: the book's figures at the last monitored date, its charts.
        page.wait_for_selector(".monitoring-dashboard")
        assert page.locator("html").get_attribute("lang") == language
        first_row = page.locator(".monitoring-dashboard table").first.locator("tbody td")
        assert first_row.first.inner_text() == str(portfolio["loans"])
        assert page.locator(".monitoring-dashboard figure svg").count() >= 3
        screenshot(page, f"monitoring-01-portfolio-{language}")

        # The mix, yield and flows, with its filters and downloads.
        page.goto(f"{base}/admin/monitoring/portfoliomix/")
        page.wait_for_selector("form.monitoring-filters")
        assert page.locator("#portfolio-balance tbody tr").count() >= 1
        assert page.locator(".monitoring-dashboard figure svg").count() >= 2
        screenshot(page, f"monitoring-02-mix-{language}")

        # The risk page: approvals, stability, calibration, provisions, concentration, liquidity.
        page.goto(f"{base}/admin/monitoring/modelstability/")
        page.wait_for_selector(".monitoring-dashboard h2")
        assert page.locator(".monitoring-dashboard h2").count() >= 8
        screenshot(page, f"monitoring-03-risk-{language}")

        # The early-warning queue opens (an officer's list, read by the analyst).
        page.goto(f"{base}/admin/monitoring/earlywarning/")
        page.wait_for_selector("#changelist")
        assert page.locator("html").get_attribute("lang") == language
        screenshot(page, f"monitoring-04-warnings-{language}")
        context.close()
