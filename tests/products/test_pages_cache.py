"""Public pages kept in the cache: per language, fresh after a product is published or retired,
never for a signed-in customer's own price, and with few queries when they are rendered."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from loanhub import clock, pagecache
from products import choices as c
from products import services
from tests.products.factories import FeeFactory, UserFactory, role_users, version_in

pytestmark = [pytest.mark.django_db]
S = c.ProductStatus


@pytest.fixture
def cash():
    version = version_in(S.ACTIVE, product__code="CASH", name_zh="随心贷", name_en="Flexi Loan")
    FeeFactory(version=version, code="arrangement", name_zh="账户管理费", name_en="Arrangement fee")
    return version


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("path", ["/products/", "/products/CASH/", "/calculator/"])
def test_a_public_page_is_rendered_once_then_served_without_a_query(
    client, cash, path, django_assert_num_queries
):
    first = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with django_assert_num_queries(0):
        again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200
    assert _main(again.content.decode()) == _main(first)  # the CSRF token is masked anew each time
    assert "Flexi Loan" in first


@pytest.mark.parametrize("path", ["/products/", "/products/CASH/", "/calculator/"])
def test_a_page_cached_in_one_language_is_not_served_in_the_other(client, cash, path):
    chinese = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "随心贷" in chinese
    assert "Flexi Loan" not in chinese
    assert "Flexi Loan" in english
    assert "随心贷" not in english
    assert '<html lang="en">' in english
    # And back: the Chinese page is still the Chinese one.
    assert _main(client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()) == _main(chinese)


def test_the_header_and_csrf_token_are_each_visitors_own_around_cached_content(
    client, cash, django_user_model
):
    from django.test import Client

    other = Client()
    mine = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    theirs = other.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _csrf(mine) != _csrf(theirs)
    assert client.cookies["csrftoken"].value != other.cookies["csrftoken"].value

    customer = UserFactory(username="ming", is_staff=False)
    other.force_login(customer)
    signed_in = other.get("/products/", HTTP_ACCEPT_LANGUAGE="en")
    html = signed_in.content.decode()
    assert "Sign out" in html
    assert "Flexi Loan" in html
    assert signed_in["Cache-Control"] == "private, no-store"
    assert 'href="/customers/login/"' in mine
    assert 'href="/customers/login/"' not in html


def test_publishing_a_version_shows_on_the_cached_pages_at_once(
    client, cash, django_capture_on_commit_callbacks
):
    users = role_users()
    assert "Home Loan" not in client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Home Loan" not in client.get("/calculator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    home = version_in(
        S.IN_REVIEW, maker=users["pm"], product__code="HOME", name_zh="安居房贷", name_en="Home Loan"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.product_approve(version=home, actor=users["pm2"], on_date=clock.today())

    assert "Home Loan" in client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "安居房贷" in client.get("/products/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Home Loan" in client.get("/calculator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client.get("/products/HOME/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_retiring_a_version_takes_it_off_the_cached_pages_at_once(
    client, cash, django_capture_on_commit_callbacks
):
    users = role_users()
    assert client.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert "Flexi Loan" in client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_retire(version=cash, actor=users["senior"], reason="withdrawn from sale")

    assert "Flexi Loan" not in client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en").status_code == 404


def test_a_new_generation_after_commit_drops_what_a_request_cached_before_it(cash, rf):
    """A page rendered between the service's change and its commit is not kept past the commit."""
    pagecache.invalidate(pagecache.CATALOGUE)
    before = pagecache.generation(pagecache.CATALOGUE)
    services.catalogue_changed()  # outside a transaction: on_commit runs at once
    assert pagecache.generation(pagecache.CATALOGUE) != before


def test_a_lost_generation_is_replaced_by_a_new_one_not_an_old_one(cash):
    before = pagecache.generation(pagecache.CATALOGUE)
    cache.delete("page-generation:catalogue")
    assert pagecache.generation(pagecache.CATALOGUE) not in (None, before)


def test_a_signed_in_customers_product_page_is_priced_for_their_segments_and_kept_per_segment_set(
    client, cash, monkeypatch
):
    from django.test import Client

    from products.pages import views
    from tests.customers.factories import CustomerFactory

    rendered = []
    render = views._detail_context
    monkeypatch.setattr(views, "_detail_context", lambda *a: rendered.append(a[1]) or render(*a))
    cash.fees.update(waived_for_segments=["payroll"])
    anonymous = client.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en")  # kept for anonymous visitors
    salaried = Client()
    salaried.force_login(CustomerFactory(payroll_customer=False).user)
    payroll, other_payroll = Client(), Client()
    payroll.force_login(CustomerFactory(payroll_customer=True).user)
    other_payroll.force_login(CustomerFactory(payroll_customer=True).user)

    mine = payroll.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en")
    assert mine["Cache-Control"] == "private, no-store"
    assert rendered == ["CASH", "CASH"]  # not the anonymous visitors' page
    # The fee waived for payroll customers: not the anonymous visitors' figures, nor a salaried
    # customer's who pays it.
    assert _main(mine.content.decode()) != _main(anonymous.content.decode())
    not_payroll = salaried.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en")
    assert _main(not_payroll.content.decode()) != _main(mine.content.decode())
    assert len(rendered) == 3

    # Another customer in the same segments gets the same page, from the cache.
    theirs = other_payroll.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(rendered) == 3
    assert _main(theirs.content.decode()) == _main(mine.content.decode())
    assert theirs["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/products/?purpose=consumer_general",
        "/products/CASH/?amount=120000&term=24&method=annuity&frequency=monthly",
        "/calculator/?amount=100000&term=12&annual_rate=4.35&method=annuity&frequency=monthly",
    ],
)
def test_pages_with_a_query_are_rendered_each_time(client, cash, path, monkeypatch):
    rendered = []
    render = pagecache._render
    monkeypatch.setattr(pagecache, "_render", lambda *a: rendered.append(a[1]) or render(*a))
    client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert len(rendered) == 2


def test_the_catalogue_renders_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    for index in range(6):
        version = version_in(S.ACTIVE, product__code=f"P{index}")
        FeeFactory(version=version, code="arrangement")
    # The active versions, their tiers, fees and promotions (prefetched), whatever the count.
    with django_assert_num_queries(4):
        html = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('class="card product-card"') == 6


def test_the_product_page_renders_in_a_fixed_number_of_queries(client, cash, django_assert_num_queries):
    # The versions of the code with tiers, fees and promotions; then the quote for an anonymous
    # visitor asks nothing more.
    with django_assert_num_queries(4):
        response = client.get("/products/CASH/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
