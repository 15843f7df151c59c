"""Customer catalogue pages render in both languages, quote, compare and recommend."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanhub.formatting import cny_text
from products import choices as c
from tests.products.factories import FeeFactory, version_in

pytestmark = [pytest.mark.django_db]
S = c.ProductStatus


@pytest.fixture
def products():
    home = version_in(
        S.ACTIVE, product__code="HOME", name_zh="安居房贷", name_en="Home Loan", category="consumer_home"
    )
    cash = version_in(S.ACTIVE, product__code="CASH", name_zh="随心贷", name_en="Flexi Loan")
    FeeFactory(version=cash, code="arrangement", name_zh="账户管理费", name_en="Arrangement fee")
    version_in(S.RETIRED, product__code="OLD", name_zh="旧产品", name_en="Old Loan")
    return home, cash


@pytest.mark.parametrize(
    ("language", "home", "cash"), [("zh-hans", "安居房贷", "随心贷"), ("en", "Home Loan", "Flexi Loan")]
)
def test_list_page_in_each_language(client, products, language, home, cash):
    response = client.get("/products/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert home in html
    assert cash in html
    assert "Old Loan" not in html
    assert "旧产品" not in html
    assert html.count('class="card product-card"') == 2
    assert 'id="consumer_home"' in html
    assert 'id="consumer_general"' in html
    assert 'class="rate-from">4.00%' in html


def test_list_filters_by_purpose_and_amount(client, products):
    html = client.get("/products/?purpose=consumer_home", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Home Loan" in html
    assert "Flexi Loan" not in html
    html = client.get("/products/?amount=9000", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="card product-card"' not in html


@pytest.mark.parametrize(("language", "name"), [("zh-hans", "随心贷"), ("en", "Flexi Loan")])
def test_detail_page_quotes_and_links_to_apply(client, products, language, name):
    response = client.get(
        "/products/CASH/?amount=120000&term=24&method=annuity&frequency=monthly",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 class="product-name">{name}</h1>' in html
    assert (
        'href="/apply/?product=CASH&amp;amount=120000.00&amp;term=24&amp;method=annuity&amp;frequency=monthly"'
        in html
    )
    quote = response.context["quote"]
    assert quote.amount == Decimal("120000.00")
    assert quote.term == 24
    # Money in the page's language: "¥5,427.27" on the Chinese page, "CNY 5,427.27" on the English.
    assert f'class="installment">{cny_text(quote.installment, language=language)}' in html
    assert f'class="total-cost">{cny_text(quote.total_cost, language=language)}' in html
    assert 'class="apr-value">' in html
    assert ("账户管理费" if language == "zh-hans" else "Arrangement fee") in html


def test_detail_page_shows_limit_errors_next_to_the_field(client, products):
    response = client.get(
        "/products/CASH/?amount=5&term=24&method=annuity&frequency=monthly", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.context["quote"] is None
    assert response.context["form"].errors["amount"] == [
        "Ensure this value is greater than or equal to 0.01."
    ] or ("must be between" in response.context["form"].errors["amount"][0])
    response = client.get(
        "/products/CASH/?amount=5000&term=24&method=annuity&frequency=monthly", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["form"].errors["amount"] == [
        "must be between 10000.00 and 500000.00 for product CASH"
    ]
    assert 'class="apply' not in response.content.decode()


def test_detail_of_retired_or_unknown_is_404(client, products):
    assert client.get("/products/OLD/").status_code == 404
    assert client.get("/products/NOPE/").status_code == 404


def test_compare_same_amount_and_term(client, products):
    response = client.get(
        "/products/compare/?codes=HOME,CASH&amount=100000&term=36", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [col["version"].product.code for col in columns] == ["HOME", "CASH"]
    assert all(col["quote"].amount == Decimal("100000.00") and col["quote"].term == 36 for col in columns)
    # Same rates, but CASH has a fee: it costs more
    assert columns[1]["quote"].total_cost - columns[0]["quote"].total_cost == Decimal("200.00")
    assert response.content.decode().count('class="total-cost"') == 2


def test_compare_reports_products_not_offered(client, products):
    response = client.get("/products/compare/?codes=CASH,OLD", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["missing"] == ["OLD"]


def test_recommend_page_ranks_and_explains(client, products):
    response = client.get(
        "/products/recommend/?amount=50000&term=24&monthly_income=15000&age=30&customer_type=individual",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    codes = [item["r"].version.product.code for item in response.context["eligible"]]
    assert codes == ["HOME", "CASH"]  # same rate; CASH has a fee
    html = response.content.decode()
    assert html.index('data-code="HOME"') < html.index('data-code="CASH"')


def test_detail_page_quotes_grace_where_the_product_offers_it(client, products):
    home, cash = products
    cash.grace_max_periods, cash.grace_types = 3, ["interest_only"]
    cash.save(update_fields=["grace_max_periods", "grace_types"])
    query = "amount=60000&term=12&method=annuity&frequency=monthly"

    response = client.get(f"/products/CASH/?{query}&grace_periods=3", HTTP_ACCEPT_LANGUAGE="en")
    too_long = client.get(f"/products/CASH/?{query}&grace_periods=4", HTTP_ACCEPT_LANGUAGE="en")
    no_grace = client.get(f"/products/HOME/?{query}", HTTP_ACCEPT_LANGUAGE="en")

    quote = response.context["quote"]
    assert quote.grace == {"periods": 3, "type": "interest_only"}
    assert [row["principal"] for row in quote.schedule.installments[:4]][:3] == [Decimal("0.00")] * 3
    assert quote.schedule.installments[3]["principal"] > 0
    assert 'name="grace_periods"' in response.content.decode()
    assert "grace_periods=3&amp;grace_type=interest_only" in response.content.decode()  # apply as quoted
    assert too_long.context["quote"] is None
    assert too_long.context["form"].errors["grace_periods"] == ["at most 3 grace periods for product CASH"]
    assert "grace_periods" not in no_grace.context["form"].fields
    assert 'name="grace_periods"' not in no_grace.content.decode()


def test_detail_page_prices_a_signed_in_customer_with_their_segments(client, products):
    from tests.customers.factories import CustomerFactory

    home, cash = products
    cash.fees.update(waived_for_segments=["graduate"])
    student = CustomerFactory(employment_type=c.EmploymentType.STUDENT)
    url = "/products/CASH/?amount=60000&term=12&method=annuity&frequency=monthly"

    anonymous = client.get(url).context["quote"]
    client.force_login(student.user)
    signed_in = client.get(url).context["quote"]

    assert anonymous.total_fees == Decimal("200.00")
    assert signed_in.total_fees == Decimal("0.00")
    assert set(signed_in.segments) == {"graduate", "new_customer"}
