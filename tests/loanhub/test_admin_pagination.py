"""The kernel's keyset pages (loanhub.admin_pagination) on the other large changelists: customers,
scoring requests and decisions. The applications console has its own, fuller tests."""

from __future__ import annotations

import pytest

from customers.admin import CustomerAdmin
from customers.models import Customer
from loanhub import roles
from tests.applications.conftest import make_customer
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client):
    client.force_login(UserFactory(username="officer", role=roles.LOAN_OFFICER))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_customers_page_by_key_forward_and_back_and_see_every_customer_once(officer_client, monkeypatch):
    monkeypatch.setattr(CustomerAdmin, "list_per_page", 2)
    for name in ("ann", "ben", "cai", "dan", "eve"):
        make_customer(name)
    everyone = list(Customer.objects.order_by("-id").values_list("pk", flat=True))
    url = "/admin/customers/customer/"
    for start, link in (("", "next_url"), ("?last=1", "previous_url")):
        response = officer_client.get(url + start)
        pages = []
        while response.status_code == 200:
            cl = response.context["cl"]
            pages.append([row.pk for row in cl.result_list])
            target = getattr(cl.keyset, link)
            if not target or len(pages) > 5:
                break
            response = officer_client.get(url + target)
        assert response.status_code == 200
        seen = [pk for one in (pages if link == "next_url" else reversed(pages)) for pk in one]
        assert seen == everyone


@pytest.mark.parametrize("model", ["customers/customer", "risk/scoringrequest", "risk/decision"])
@pytest.mark.parametrize("query", ["?after=5", "?before=5", "?last=1", "?after=x", "?p=99"])
def test_large_changelists_take_keyset_links(client, model, query):
    client.force_login(UserFactory(username="auditor", role=roles.AUDITOR))
    response = client.get(f"/admin/{model}/{query}")
    assert response.status_code == 200
    assert response.context["cl"].__class__.__name__ == "KeysetChangeList"
