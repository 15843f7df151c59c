"""Admin console: loans and ledger are read-only; entries show 'balanced'; accounts their balances."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicing.models import LedgerAccount, Loan
from tests.servicing.factories import ApplicationFactory, active_version, open_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, people):
    client.force_login(people["officer"])
    return client


def test_loan_list_filters_by_product_and_searches_by_number(officer_client, people):
    other_product = active_version(product__code="AUTO")
    auto_loan = open_loan(ApplicationFactory(product_version=other_product))
    url = "/admin/servicing/loan/"

    response = officer_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    titles = {spec.title for spec in response.context["cl"].filter_specs}
    assert titles == {
        "status",
        "delinquency bucket",
        "classification",
        "product",
        "repayment method",
        "frequency",
    }

    filtered = officer_client.get(url, {"product_version__product__id__exact": other_product.product_id})
    assert list(filtered.context["cl"].queryset) == [auto_loan]
    found = officer_client.get(url, {"q": people["owner_loan"].number})
    assert list(found.context["cl"].queryset) == [people["owner_loan"]]
    by_status = officer_client.get(url, {"status__exact": "closed"})
    assert list(by_status.context["cl"].queryset) == []


def test_loan_page_is_read_only_with_schedule_and_entries(officer_client, people):
    loan = people["owner_loan"]
    response = officer_client.get(f"/admin/servicing/loan/{loan.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert "CNY 8,606.64" in html  # amounts in yuan as the page's language writes them
    assert "disbursement" in html.lower()
    assert response.context["has_change_permission"] is False


@pytest.mark.parametrize(
    "url",
    [
        "/admin/servicing/loan/add/",
        "/admin/servicing/journalentry/add/",
        "/admin/servicing/ledgeraccount/add/",
    ],
)
def test_nothing_can_be_added(officer_client, people, url):
    assert officer_client.get(url).status_code == 403


def test_a_loan_cannot_be_changed_or_deleted(officer_client, people):
    loan = people["owner_loan"]
    response = officer_client.post(f"/admin/servicing/loan/{loan.pk}/change/", {"principal": "1.00"})
    assert response.status_code == 403
    assert officer_client.post(f"/admin/servicing/loan/{loan.pk}/delete/", {"post": "yes"}).status_code == 403
    loan.refresh_from_db()
    assert loan.principal == Decimal("100000.00")
    assert Loan.objects.count() == 2


def test_journal_entry_shows_its_postings_and_is_balanced(officer_client, people):
    entry = people["owner_loan"].journal_entries.get()
    response = officer_client.get(f"/admin/servicing/journalentry/{entry.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for amount in ("100000.00", "98800.00", "1200.00"):
        assert amount in html
    # the 'balanced' boolean icon, its text in the page's language (not Python's "True")
    assert 'icon-yes.svg" alt="是"' in html or 'icon-yes.svg" alt="Yes"' in html
    listing = officer_client.get("/admin/servicing/journalentry/")
    assert listing.status_code == 200
    changelist = listing.context["cl"]
    assert [changelist.model_admin.balanced(row) for row in changelist.result_list] == [True, True]


def test_ledger_accounts_show_balances_from_one_aggregate_query(officer_client, people):
    with CaptureQueriesContext(connection) as queries:
        response = officer_client.get("/admin/servicing/ledgeraccount/")
    assert response.status_code == 200
    balances = {a.code: a.balance for a in response.context["cl"].result_list}
    assert len(balances) == LedgerAccount.objects.count()  # every account is listed, zero or not
    assert {code: amount for code, amount in balances.items() if amount} == {
        "1100": Decimal("200000.00"),
        "2100": Decimal("-197600.00"),
        "4100": Decimal("-2400.00"),
    }
    # The page's counts aside, the balances of every account come from one aggregate query.
    balance_queries = [
        q["sql"]
        for q in queries.captured_queries
        if "servicing_posting" in q["sql"] and not q["sql"].startswith("SELECT COUNT")
    ]
    assert len(balance_queries) == 1
    assert "SUM(" in balance_queries[0].upper()
    assert "GROUP BY" in balance_queries[0].upper()


def test_customers_cannot_open_the_admin(client, people):
    client.force_login(people["owner"])
    response = client.get("/admin/servicing/loan/")
    assert response.status_code == 302


def test_loan_page_shows_the_date_the_loan_stands_at_as_the_api_does(officer_client, people):
    """A quiet loan's stored row lags (servicing.quiet); the admin must not show the stale date."""
    import datetime as dt

    from django.utils import formats, translation

    loan = people["owner_loan"]
    stored = loan.position_date - dt.timedelta(days=20)
    Loan.objects.filter(pk=loan.pk).update(
        position_date=stored, quiet_until=loan.position_date + dt.timedelta(days=365)
    )
    shown = officer_client.get(f"/api/v1/loans/{loan.pk}/").json()["position_date"]
    assert shown != stored.isoformat()  # the fixture really is quiet and behind
    response = officer_client.get(f"/admin/servicing/loan/{loan.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        expected = formats.localize(dt.date.fromisoformat(shown))
        stale = formats.localize(stored)
    html = response.content.decode()
    assert expected in html
    assert stale not in html
