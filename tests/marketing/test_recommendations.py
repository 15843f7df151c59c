"""Recommendations for a signed-in customer (智能推荐) and the non-personalised option (PIPL art. 24(2)).

Catalogue: CASH (consumer, grid B 6 %) and AUTO (car loans, grid B 8 %, the dearer), and YOUTH
(consumer, 5 %, for ages 18–30). Asked: 50,000 over 12 months. By total cost alone YOUTH ranks
before CASH before AUTO. A customer aged 40 whose last application was for a car loan:
personalised, YOUTH is excluded by their own age and AUTO leads (+2: the purpose of their last
application); non-personalised, nothing of theirs is used — YOUTH is back and the order is the
catalogue's featured order (cheapest representative APR of each purpose first: YOUTH 5 % and
AUTO 8 % lead their purposes, then CASH 6 %).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from rest_framework.test import APIClient

from applications.models import State
from customers import marketing_consent
from loanhub import clock
from products import choices as pc
from tests.applications.conftest import in_state, make_customer
from tests.products.factories import version_in

pytestmark = [pytest.mark.django_db]
QUERY = {"amount": "50000", "term": 12}
URL = "/api/v1/products/recommendations/"


def _grid(b_rate: str):
    return [(g, 6, 60, b_rate) for g in "ABCDE"]


@pytest.fixture
def catalogue(db):
    since = clock.today() - dt.timedelta(days=30)
    common = {"available_from": since, "segments": ["payroll"], "channels": ["web"]}
    cash = version_in(pc.ProductStatus.ACTIVE, product__code="CASH", grid=_grid("0.06"), **common)
    auto = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="AUTO",
        category=pc.Category.CONSUMER_AUTO,
        grid=_grid("0.08"),
        **common,
    )
    youth = version_in(
        pc.ProductStatus.ACTIVE, product__code="YOUTH", age_max=30, grid=_grid("0.05"), **common
    )
    return {"CASH": cash, "AUTO": auto, "YOUTH": youth}


def _customer(username: str, *, personalised: bool):
    customer = make_customer(username, date_of_birth=clock.today() - relativedelta(years=40, days=10))
    if personalised:
        marketing_consent.marketing_consent_set(
            customer=customer, actor=customer.user, choices={"personalised_recommendations": True}
        )
    return customer


def _with_car_loan_application(customer, catalogue):
    return in_state(
        State.DECLINED,
        customer,
        catalogue["AUTO"],
        amount=Decimal("80000.00"),
        term=36,
        submitted_at=clock.now() - dt.timedelta(days=20),
    )


def _get(customer=None, language="en", **params):
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if customer is not None:
        api.force_authenticate(customer.user)
    response = api.get(URL, {**QUERY, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _order(body) -> list[str]:
    return [row["product"] for row in body["eligible"]]


def test_anonymous_callers_keep_the_ranking_by_total_cost(catalogue):
    body = _get()
    assert _order(body) == ["YOUTH", "CASH", "AUTO"]
    assert body["basis"] == "query"
    assert body["personalised"] is False
    assert body["consent"] is None


def test_a_consenting_customer_is_ranked_from_their_own_profile_and_history(catalogue):
    customer = _customer("p1", personalised=True)
    _with_car_loan_application(customer, catalogue)

    body = _get(customer)

    assert body["personalised"] is True
    assert body["basis"] == "profile_and_history"
    # Their own age (40) excludes YOUTH although the query gave no age; the car-loan history
    # puts AUTO first although CASH costs less.
    assert _order(body) == ["AUTO", "CASH"]
    (youth,) = body["ineligible"]
    assert youth["product"] == "YOUTH"
    assert [e["rule"] for e in youth["excluded_by"]] == ["age"]
    auto = body["eligible"][0]
    assert auto["affinity"] == 2
    assert auto["reasons"][0] == "the same purpose as your last application (CNY 80,000 over 36 months)"
    assert body["eligible"][1]["affinity"] == 0


def test_the_reasons_are_in_the_customers_language(catalogue):
    customer = _customer("p2", personalised=True)
    _with_car_loan_application(customer, catalogue)

    body = _get(customer, language="zh-hans")

    assert body["eligible"][0]["reasons"][0] == "与您上次申请的用途相同（¥80,000，36个月）"
    assert "根据您的资料和历史" in body["notice"]


def test_an_active_loan_of_a_product_demotes_it_and_an_on_time_record_lifts_its_category(catalogue):
    from marketing import recommendations

    customer = _customer("p3", personalised=True)
    # The history's facts as customer_facts reads them from applications and servicing.
    facts = {"held": {"CASH"}, "repaid_on_time_categories": set(), "installments_due": 0}
    results = recommendations.product_services.product_recommend(
        profile=recommendations.customer_profile(
            customer,
            recommendations.Profile(amount=Decimal("50000"), term=12),
            today=clock.today(),
        ),
        versions=list(catalogue.values()),
    )
    cash = next(r for r in results if r.version.product.code == "CASH")
    score, reasons = recommendations._affinity(
        cash, {**facts, "last_application": None, "tags": set(), "amounts_asked": []}
    )
    assert (score, reasons) == (-3, ["you already have an active loan of this product"])
    score, reasons = recommendations._affinity(
        cash,
        {
            "held": set(),
            "repaid_on_time_categories": {"consumer_general"},
            "installments_due": 6,
            "last_application": None,
            "tags": {"payroll"},
        },
    )
    assert score == 2
    assert reasons == [
        "you repaid all 6 installments due on time on your personal consumer loan loan",
        "made for payroll customers, like you",
    ]


def test_without_consent_the_ranking_is_the_featured_order_and_says_so(catalogue):
    customer = _customer("n1", personalised=False)
    _with_car_loan_application(customer, catalogue)

    body = _get(customer)

    assert body["personalised"] is False
    assert body["consent"] is False
    assert body["basis"] == "featured_order"
    # Nothing of theirs is used: YOUTH (their age would exclude it) is listed, in featured order.
    assert _order(body) == ["YOUTH", "AUTO", "CASH"]
    assert all(row["affinity"] is None for row in body["eligible"])
    assert body["notice"].startswith("Not personalised: you have not agreed")
    assert not any("last application" in reason for row in body["eligible"] for reason in row["reasons"])


def test_a_consenting_customer_may_choose_the_non_personalised_ranking(catalogue):
    customer = _customer("c1", personalised=True)
    _with_car_loan_application(customer, catalogue)

    body = _get(customer, personalised="false")

    assert (body["personalised"], body["consent"], body["basis"]) == (False, True, "featured_order")
    assert _order(body) == ["YOUTH", "AUTO", "CASH"]
    assert body["notice"].startswith("Not personalised, as you chose")


def test_withdrawing_the_consent_stops_the_personalisation_at_once(catalogue):
    customer = _customer("w1", personalised=True)
    _with_car_loan_application(customer, catalogue)
    assert _get(customer)["personalised"] is True

    marketing_consent.marketing_consent_set(
        customer=customer, actor=customer.user, choices={"personalised_recommendations": False}
    )

    assert _get(customer)["basis"] == "featured_order"


# --- the portal page ------------------------------------------------------------------------------


def test_the_page_prefills_the_last_application_and_offers_the_switch(client, catalogue):
    customer = _customer("pg1", personalised=True)
    _with_car_loan_application(customer, catalogue)
    client.force_login(customer.user)

    page = client.get("/products/recommend/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-basis="profile_and_history"' in page
    assert 'value="80000' in page  # the amount asked last time
    assert "the same purpose as your last application" in page
    assert "Show the non-personalised list (the same for everyone)" in page
    assert "personalised=0" in page
    assert page.index('data-code="AUTO"') < page.index('data-code="CASH"')

    switched = client.get(
        "/products/recommend/", {**QUERY, "personalised": "0"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-basis="featured_order"' in switched
    assert "Show my personalised recommendations" in switched
    assert 'name="personalised" value="0"' in switched  # the choice survives a new search
    assert switched.index('data-code="YOUTH"') < switched.index('data-code="AUTO"')


def test_the_page_in_chinese_without_consent_says_it_is_not_personalised(client, catalogue):
    customer = _customer("pg2", personalised=False)
    client.force_login(customer.user)

    page = client.get("/products/recommend/", QUERY, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'data-basis="featured_order"' in page
    assert "未个性化" in page
    assert "选择是否允许我们个性化推荐" in page
