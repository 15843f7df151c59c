"""The officer's business assessment in a real browser (Playwright driving Debian's Chromium):
a sole proprietor's referred application → the officer opens it in the admin console → the
assessment page shows the business data beside the ratios and the form → the officer answers and
rates → the rating with its indicators is shown. Screenshots under var/screenshots/."""

from __future__ import annotations

import pytest

from applications import services
from tests.applications.conftest import GOOD_ID, draft, make_customer
from tests.applications.test_browser_journey import PASSWORD, shot, sign_in
from tests.applications.test_business_rating import ANSWERS, FACTS

pytestmark = [pytest.mark.services("chromium"), pytest.mark.django_db(transaction=True)]


def test_the_officer_rates_a_business_on_the_assessment_form(
    live_server,
    browser,  # noqa: F811
    risk_ready,
    business_product,
    users,
    submit,
):
    from customers.business import business_profile_put

    customer = make_customer(
        "shop",
        customer_type="sole_proprietor",
        id_number=GOOD_ID,
        employment_type="self_employed",
        employer="",
        industry="retail",
    )
    business_profile_put(customer=customer, actor=customer.user, data=FACTS)
    application = submit(draft(customer, business_product, purpose="business_operating"))
    officer = users["officer"]
    officer.set_password(PASSWORD)
    officer.save()
    page = browser.new_context(locale="en-US").new_page()
    sign_in(
        page,
        live_server.url,
        f"/admin/login/?next=/admin/applications/loanapplication/{application.pk}/change/",
        officer.username,
    )
    page.locator("a.business-assessment").click()
    page.wait_for_selector("form.assessment-form")
    assert page.locator(".business-data table tr").count() == len(FACTS)
    assert page.locator(".business-ratios table tr").count() == 7
    assert page.locator("form.assessment-form fieldset").count() == len(ANSWERS)
    shot(page, "21-business-assessment-form")
    for code, choice in ANSWERS.items():
        page.check(f"input[name={code}][value={choice}]")
    page.locator("form.assessment-form button[value=assess]").click()
    page.wait_for_selector(".business-rating")
    rating = services.rating_for(application)
    assert rating is not None
    text = page.locator(".business-rating p").first.inner_text()
    assert f"Grade {rating.grade}" in text
    assert "rubric v1" in text
    assert page.locator(".business-rating tbody tr").count() == 12
    shot(page, "22-business-rated")
