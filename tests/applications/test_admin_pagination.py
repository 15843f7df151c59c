"""The officer console's changelist pages by key (loanhub.admin_pagination): every row once, in
order, forward and back, with filters and search; odd links give a clean page, never a 500."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils.html import escape

from applications.admin import LoanApplicationAdmin
from applications.models import LoanApplication, State
from loanhub import admin_pagination
from loanhub.admin_pagination import EstimatedCountPaginator
from tests.applications.conftest import in_state, make_customer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/applications/loanapplication/"
PER_PAGE = 3


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr(LoanApplicationAdmin, "list_per_page", PER_PAGE)


@pytest.fixture
def applications(customer, other_customer, product):
    """Fourteen applications: alternating customers, nine referred, amounts shuffled."""
    rows = []
    for i in range(14):
        state = State.SCORED if i % 3 == 1 else State.REFERRED
        owner = customer if i % 2 == 0 else other_customer
        rows.append(in_state(state, owner, product, amount=Decimal(10000 + (i * 7919) % 13 * 1000)))
    return rows


@pytest.fixture
def officer_client(client, users):
    client.force_login(users["officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages in English for exact assertions
    return client


def page(client, url, params=None):
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def walk(client, params, *, start=None, link="next_url"):
    """Follow one link from page to page; return the pages' keys and the responses."""
    response = page(client, CHANGELIST + (start or ""), params)
    pages = []
    while True:
        cl = response.context["cl"]
        pages.append([row.pk for row in cl.result_list])
        assert len(pages) <= 20, "the links go round in circles"
        target = getattr(cl.keyset, link)
        if not target:
            return pages, response
        assert f'href="{escape(target)}"' in response.content.decode()  # the page shows the link
        response = page(client, CHANGELIST + target)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def keys(queryset) -> list[int]:
    return list(queryset.order_by("-id").values_list("pk", flat=True))


# --- every row exactly once, in order -----------------------------------------------------------
def test_paging_forward_and_back_visits_every_row_once_in_order(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    forward, last_response = walk(officer_client, None)
    assert [pk for one in forward for pk in one] == everything
    assert all(len(one) == PER_PAGE for one in forward[:-1])
    assert last_response.context["cl"].keyset.next_url is None
    backward, first_response = walk(officer_client, None, start="?last=1", link="previous_url")
    assert [pk for one in reversed(backward) for pk in one] == everything
    assert backward[0] == everything[-PER_PAGE:]  # the last page is full
    assert first_response.context["cl"].keyset.previous_url is None
    assert "?p=" not in last_response.content.decode()  # no page numbers: no OFFSET


def test_paging_with_a_filter_keeps_the_filter_and_visits_its_rows_once(officer_client, applications):
    referred = keys(LoanApplication.objects.filter(state=State.REFERRED))
    assert len(referred) > 2 * PER_PAGE
    forward, response = walk(officer_client, {"state__exact": "referred"})
    assert [pk for one in forward for pk in one] == referred
    assert "state__exact=referred" in response.context["cl"].keyset.first_url
    backward, _ = walk(officer_client, None, start="?state__exact=referred&last=1", link="previous_url")
    assert [pk for one in reversed(backward) for pk in one] == referred


def test_paging_one_customers_applications_visits_its_rows_once(officer_client, customer, applications):
    # The link the identifier search gives for a customer's applications (by primary key).
    theirs = keys(LoanApplication.objects.filter(customer=customer))
    forward, _ = walk(officer_client, {"customer__id__exact": customer.pk})
    assert [pk for one in forward for pk in one] == theirs
    start = f"?customer__id__exact={customer.pk}&last=1"
    backward, _ = walk(officer_client, None, start=start, link="previous_url")
    assert [pk for one in reversed(backward) for pk in one] == theirs


def test_filter_sort_and_search_links_start_from_the_first_page(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    response = page(officer_client, CHANGELIST, {"after": everything[PER_PAGE - 1]})
    cl = response.context["cl"]
    assert [row.pk for row in cl.result_list] == everything[PER_PAGE : 2 * PER_PAGE]
    assert "after" not in cl.get_query_string({"state__exact": "referred"})
    assert "after" not in cl.params  # the search form's hidden fields
    assert 'name="after"' not in response.content.decode()


def test_a_deleted_boundary_row_still_pages_correctly(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    first = page(officer_client, CHANGELIST).context["cl"]
    boundary = first.result_list[-1].pk
    LoanApplication.objects.filter(pk=boundary).delete()
    following = page(officer_client, CHANGELIST + first.keyset.next_url).context["cl"]
    assert [row.pk for row in following.result_list] == everything[PER_PAGE : 2 * PER_PAGE]
    # And back: the first row of that page is deleted before its "previous" link is followed.
    LoanApplication.objects.filter(pk=following.result_list[0].pk).delete()
    previous = page(officer_client, CHANGELIST + following.keyset.previous_url).context["cl"]
    assert [row.pk for row in previous.result_list] == everything[: PER_PAGE - 1]
    assert previous.keyset.previous_url is None


@pytest.mark.parametrize(
    "params",
    [
        {"after": "abc"},
        {"after": "-5"},
        {"after": "0"},
        {"after": "1" * 30},
        {"after": ""},
        {"before": "1e3"},
        {"after": "٣"},  # a digit, but not an ASCII one
    ],
)
def test_an_invalid_boundary_is_the_first_page_with_a_message(officer_client, applications, params):
    everything = keys(LoanApplication.objects.all())
    response = page(officer_client, CHANGELIST, params)
    assert [row.pk for row in response.context["cl"].result_list] == everything[:PER_PAGE]
    assert messages_of(response) == ["That page link is not valid; here is the first page."]


def test_a_boundary_beyond_either_end_is_an_empty_page_with_both_ends(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    beyond_the_end = page(officer_client, CHANGELIST, {"after": min(everything)}).context["cl"]
    assert list(beyond_the_end.result_list) == []
    assert beyond_the_end.keyset.first_url == "?"
    assert beyond_the_end.keyset.last_url == "?last=1"
    before_the_start = page(officer_client, CHANGELIST, {"before": max(everything)}).context["cl"]
    assert list(before_the_start.result_list) == []
    assert (before_the_start.keyset.first_url, before_the_start.keyset.last_url) == ("?", "?last=1")


# --- page numbers: shallow ones by OFFSET, deep ones refused with a message ---------------------
def test_an_old_page_number_link_opens_that_page_and_continues_by_key(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    cl = page(officer_client, CHANGELIST, {"p": 2}).context["cl"]
    assert [row.pk for row in cl.result_list] == everything[PER_PAGE : 2 * PER_PAGE]
    assert cl.keyset.number == 2
    assert cl.keyset.previous_url == "?"
    assert cl.keyset.next_url == f"?after={everything[2 * PER_PAGE - 1]}"


def test_a_page_number_too_deep_for_offset_is_refused_with_a_message(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    response = page(officer_client, CHANGELIST, {"p": admin_pagination.MAX_OFFSET_PAGES + 1})
    assert [row.pk for row in response.context["cl"].result_list] == everything[:PER_PAGE]
    [message] = messages_of(response)
    assert message.startswith(f"Page {admin_pagination.MAX_OFFSET_PAGES + 1} is too deep")
    assert "search" in message


@pytest.mark.parametrize("number", ["6", "0", "x"])
def test_a_page_number_that_does_not_exist_is_the_first_page(officer_client, applications, number):
    everything = keys(LoanApplication.objects.all())
    response = page(officer_client, CHANGELIST, {"p": number})
    assert [row.pk for row in response.context["cl"].result_list] == everything[:PER_PAGE]
    if number == "6":  # fourteen rows make five pages
        assert messages_of(response) == ["There is no page 6; here is the first page."]


def test_sorted_by_time_in_state_within_a_state_it_pages_by_number_and_visits_every_row_once(
    officer_client, applications
):
    referred = LoanApplication.objects.filter(state=State.REFERRED)
    oldest_first = list(referred.order_by("state_changed_at", "-id").values_list("pk", flat=True))
    age_column = LoanApplicationAdmin.list_display.index("age_in_state")
    pages, response = walk(officer_client, {"state__exact": "referred", "o": str(age_column)})
    assert [pk for one in pages for pk in one] == oldest_first
    assert len(pages) == 3
    assert "p=3" in response.context["cl"].get_query_string({"p": 3})  # page numbers, not keys


def test_columns_no_index_can_sort_are_not_sortable_even_from_a_typed_url(officer_client, applications):
    everything = keys(LoanApplication.objects.all())
    amount_column = LoanApplicationAdmin.list_display.index("requested")
    age_column = LoanApplicationAdmin.list_display.index("age_in_state")
    for column in (amount_column, age_column):  # age only within a state
        response = page(officer_client, CHANGELIST, {"o": str(column)})
        cl = response.context["cl"]
        assert [row.pk for row in cl.result_list] == everything[:PER_PAGE]
        assert cl.keyset.next_url == f"?after={everything[PER_PAGE - 1]}"
        # (the idle warning's "sign in again" link reloads this very URL, typed ordering included)
        offered = re.sub(r'<div id="idle-warning".*?</div>', "", response.content.decode(), flags=re.S)
        assert f"o={column}" not in offered
    state_column = LoanApplicationAdmin.list_display.index("state")
    html = page(officer_client, CHANGELIST).content.decode()
    assert f"?o={state_column}" in html  # the state column still sorts


# --- the size of the list, never counted beyond the cap -----------------------------------------
def test_small_lists_are_counted_exactly(officer_client, applications):
    response = officer_client.get(CHANGELIST)
    count = f"14 {LoanApplication._meta.verbose_name_plural}"
    assert response.context["cl"].count_text == count
    assert f'<span class="result-count">{count}</span>' in response.content.decode()


def test_long_lists_say_more_than_the_cap(officer_client, applications, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 5)
    response = officer_client.get(CHANGELIST, {"state__exact": "referred"})
    cl = response.context["cl"]
    assert cl.result_count == 6  # the count stopped at the cap + 1
    assert cl.count_text == f"more than 5 {LoanApplication._meta.verbose_name_plural}"
    assert cl.keyset.last_url == "?last=1&state__exact=referred"
    assert cl.show_all_url is None  # "show all" only for a list counted exactly


def test_an_unfiltered_table_shows_the_planner_estimate_in_chinese(client, users, applications, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 5)
    monkeypatch.setattr(EstimatedCountPaginator, "_table_estimate", staticmethod(lambda queryset: 1_000_000))
    client.force_login(users["officer"])
    # The whole table (the default queue, "needs action", is a filtered list).
    response = client.get(CHANGELIST, {"queue": "all"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.context["cl"].count_text.startswith("约 1000000 条")
    for label in ("首页", "上一页", "下一页", "末页"):
        assert label in html


@pytest.mark.services("postgres")
def test_the_estimate_is_postgresqls_table_statistic(applications):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {LoanApplication._meta.db_table}")
    assert EstimatedCountPaginator._table_estimate(LoanApplication.objects.all()) == 14


def test_an_empty_search_counts_nothing(customer, product):
    in_state(State.REFERRED, customer, product)
    assert EstimatedCountPaginator(LoanApplication.objects.none(), 50).count == 0


# --- permissions are unchanged ------------------------------------------------------------------
def test_officers_page_by_key_and_customers_are_sent_to_sign_in(client, users, applications):
    everything = keys(LoanApplication.objects.all())
    client.force_login(users["officer"])
    assert page(client, CHANGELIST, {"after": everything[2]}).context["cl"].result_list
    stranger = make_customer("carol")
    client.force_login(stranger.user)
    for params in ({"after": everything[2]}, {"last": 1}, {"p": 2}):
        response = client.get(CHANGELIST, params)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
