"""The customer portal's pages: the landing home, the catalogue's filters and tick-to-compare,
product terms in plain words, the glossary with its worked example, and the phone menu."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from loanhub.formatting import cny_text
from products.pages.views import featured_cards
from tests.products.factories import FeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codes(html: str, css_class: str = "card product-card") -> list[str]:
    return re.findall(rf'<article class="{css_class}[^"]*" data-code="([A-Z]+)"', html)


# --- home -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "cta"), [("zh-hans", "挑选贷款"), ("en", "Find your loan")])
def test_home_features_products_with_an_example_cost_and_a_way_to_apply(client, catalogue, language, cta):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    cards = featured_cards()
    # By representative APR for an anonymous visitor (grade C): HOME 8.00 %, CASH 8.14 % (its fee),
    # SHORT 10.00 %.
    assert [card["version"].product.code for card in cards] == ["HOME", "CASH", "SHORT"]
    assert set(_codes(html, "card product-card featured-card")) == {"HOME", "CASH", "SHORT"}
    assert f'class="button cta-primary" href="/products/">{cta}</a>' in html
    for card in cards:
        quote = card["representative"]
        assert f'href="/apply/?product={card["version"].product.code}&amp;amount={quote.amount}' in html
        assert cny_text(quote.total_cost, language=language) in html
    assert 'action="/calculator/"' in html  # the quick calculator


def test_featured_products_show_each_purpose_before_a_second_of_one_purpose(catalogue):
    catalogue["HOME"].pricing_tiers.update(annual_rate=Decimal("0.12"))
    # CASH 8.14 % and SHORT 10 % are both cheaper than HOME at 12 %, but HOME is the only home loan.
    assert [card["version"].product.code for card in featured_cards(limit=2)] == ["CASH", "HOME"]
    assert [card["version"].product.code for card in featured_cards()] == ["CASH", "HOME", "SHORT"]


def test_home_moves_staff_and_api_links_to_the_footer(client, catalogue):
    client.force_login(UserFactory(is_staff=True))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    footer = html[html.index('<footer class="site-footer">') :]
    assert "/admin/" not in nav
    assert "/api/docs/" not in nav
    assert 'href="/admin/">Staff console</a>' in footer
    assert 'href="/api/docs/">API documentation</a>' in footer
    assert nav.count(">My loans</a>") == 1
    assert '<link rel="icon" href="/static/img/favicon.svg"' in html


def test_home_without_products_still_offers_the_calculator(client, db):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "featured-card" not in html
    assert '<input type="hidden" name="annual_rate" value="4.9">' in html


# --- the phone menu ---------------------------------------------------------------------------
def test_the_phone_menu_opens_with_css_alone(client, db):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<input type="checkbox" id="nav-toggle" class="nav-toggle">' in html
    assert '<label for="nav-toggle" class="nav-toggle-label">' in html
    assert (
        html.index('id="nav-toggle"') < html.index('<div class="nav-panel">') < html.index('class="main-nav"')
    )
    css = (Path(settings.BASE_DIR) / "static" / "css" / "loanhub.css").read_text()
    assert ".nav-toggle:checked ~ .nav-panel { display: flex; }" in css
    assert "<script" not in html


# --- catalogue filters and compare --------------------------------------------------------------
def test_catalogue_filters_by_amount_and_term(client, catalogue):
    by_term = client.get("/products/?term=24", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    by_amount = client.get("/products/?amount=60000", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    both = client.get("/products/?amount=20000&term=6", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert sorted(_codes(by_term)) == ["CASH", "HOME"]
    assert sorted(_codes(by_amount)) == ["CASH", "HOME"]
    assert sorted(_codes(both)) == ["CASH", "SHORT"]  # HOME starts at 12 months
    assert 'name="amount" value="20000"' in both  # the filter carries over to the compare form


def test_catalogue_filter_refuses_a_bad_term_next_to_the_field(client, catalogue):
    response = client.get("/products/?term=0", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert sorted(_codes(response.content.decode())) == ["CASH", "HOME", "SHORT"]  # unfiltered


def test_catalogue_cards_are_ticked_into_one_compare_form(client, catalogue):
    html = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = html[html.index('<form class="compare-pick"') :]
    assert form.startswith('<form class="compare-pick" method="get" action="/products/compare/">')
    for code in ("HOME", "CASH", "SHORT"):
        assert f'<input type="checkbox" name="codes" value="{code}">' in form


def test_compare_reads_ticked_boxes_and_prices_a_loan_every_product_offers(client, catalogue):
    response = client.get("/products/compare/?codes=HOME&codes=SHORT", HTTP_ACCEPT_LANGUAGE="en")
    columns = response.context["columns"]
    # The smaller representative loan (20 000 over 6 months) moved into the terms both accept.
    assert [(col["quote"].amount, col["quote"].term) for col in columns] == [(Decimal("20000.00"), 12)] * 2
    assert all(col["errors"] == [] for col in columns)
    html = response.content.decode()
    assert '<input type="checkbox" name="codes" value="HOME" checked>' in html
    assert '<input type="checkbox" name="codes" value="CASH">' in html
    assert "Same loan for every product: CNY 20,000.00 over 12 months." in html
    assert html.count('class="button apply"') == 2
    # HOME at 8 % (grade C, an anonymous quote's) costs less than SHORT at 10 %: only HOME has the badge.
    assert [col["cheapest"] for col in columns] == [True, False]
    # Each product's name opens its page, quoting the compared loan.
    links = re.findall(r'<a class="product-link" href="([^"]+)">', html)
    assert links == [
        f"/products/{code}/?amount=20000.00&amp;term=12&amp;method=annuity&amp;frequency=monthly"
        for code in ("HOME", "SHORT")
    ]


def test_compare_of_products_sharing_no_term_prices_each_ones_own_example(client, catalogue):
    home = catalogue["HOME"]
    home.term_min = 24
    home.save(update_fields=["term_min"])
    response = client.get("/products/compare/?codes=HOME,SHORT", HTTP_ACCEPT_LANGUAGE="en")
    columns = response.context["columns"]
    assert [(col["quote"].amount, col["quote"].term) for col in columns] == [
        (Decimal("20000.00"), 36),
        (Decimal("20000.00"), 6),
    ]
    assert all(col["errors"] == [] for col in columns)
    assert not response.context["same_loan"]
    assert "each column shows its own example loan" in response.content.decode()
    assert not any(col["cheapest"] for col in columns)


def test_compare_with_one_tick_asks_for_two_and_keeps_the_tick(client, catalogue):
    response = client.get("/products/compare/?codes=CASH", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose between 2 and 4 products." in html
    assert '<input type="checkbox" name="codes" value="CASH" checked>' in html
    assert response.context["columns"] == []


# --- product terms in plain words ---------------------------------------------------------------
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_product_terms_are_in_plain_words(client, catalogue, language):
    cash = catalogue["CASH"]
    cash.prepayment_allowed_after, cash.prepayment_fee_rate, cash.grace_max_periods = 0, Decimal("0"), 0
    cash.save(update_fields=["prepayment_allowed_after", "prepayment_fee_rate", "grace_max_periods"])
    FeeFactory(version=cash, code="monthly", fee_type="periodic_percent", amount=None, rate=Decimal("0.0025"))
    html = client.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    words = {
        "zh-hans": [
            "可随时提前还款。",
            "提前还款不收费。",
            "无宽限期",
            "代发工资客户",
            "0.25%",
            "¥10,000 – ¥500,000",
        ],
        "en": [
            "You may repay early at any time.",
            "Repaying early costs nothing.",
            "No grace period",
            "payroll customers",
            "0.25%",
            "CNY 10,000 – CNY 500,000",
        ],
    }[language]
    for expected in words:
        assert expected in html
    for raw in ("after 0 installments", "up to 0", ">payroll<", "version 1", "0.0025"):
        assert raw not in html
    if language == "zh-hans":
        assert "CNY" not in html


def test_product_terms_name_the_wait_and_the_fee_for_early_repayment(client, catalogue):
    cash = catalogue["CASH"]
    cash.prepayment_allowed_after, cash.prepayment_fee_rate, cash.grace_max_periods = 6, Decimal("0.02"), 3
    cash.grace_types = ["interest_only"]
    cash.save(
        update_fields=["prepayment_allowed_after", "prepayment_fee_rate", "grace_max_periods", "grace_types"]
    )
    html = client.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You may repay early once 6 installments have been paid." in html
    assert "Repaying early costs 2.00% of the principal you repay." in html
    assert "At the start you may pay only interest for up to 3 installments." in html


# --- glossary ---------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_glossary_explains_apr_and_the_methods_with_a_worked_example(client, db, language):
    response = client.get("/products/terms-explained/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    for anchor in ("apr", "methods", "grace", "prepayment", "penalty", "fees"):
        assert f'id="{anchor}"' in html
    assert "等额本息" in html
    assert "等额本金" in html
    # 10 000 over 12 months at 6 % a year (0.5 % a month): the textbook annuity payment
    # 10 000 × 0.005 / (1 − 1.005^−12) = 860.66 a month (interest rounded each month, half-up, the
    # last payment taking the rounding: 327.96 in all); equal principal starts at 833.33 + 50.00
    # and costs 10 000 × 0.005 × (12 + 1) / 2 = 325.00 of interest.
    example = response.context["example"]
    assert example["annuity"] == {
        "first": Decimal("860.66"),
        "last": example["annuity"]["last"],
        "interest": Decimal("327.96"),
    }
    assert (example["equal_principal"]["first"], example["equal_principal"]["interest"]) == (
        Decimal("883.33"),
        Decimal("325.00"),
    )
    assert cny_text(Decimal("860.66"), language=language) in html


def test_my_loans_appears_once_in_the_navigation_of_the_loan_pages(client, db):
    from tests.applications.conftest import make_customer

    client.force_login(make_customer("nav-once").user)
    html = client.get("/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    assert nav.count(">My loans</a>") == 1
