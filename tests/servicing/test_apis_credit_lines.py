"""Credit lines API: list and detail (own only, 404 for another's), draws and repayments with an
Idempotency-Key, field errors naming `amount` with nothing moved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import roles
from servicing.models import CreditLineTransaction, JournalEntry
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory
from tests.servicing.lines_helpers import on, open_line

pytestmark = pytest.mark.django_db
D = Decimal


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def line():
    return open_line()


def test_the_owner_sees_their_line_with_the_issue_fields(line):
    api = client_for(line.customer.user)
    listed = api.get("/api/v1/credit-lines/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [line.pk]
    body = api.get(f"/api/v1/credit-lines/{line.pk}/").json()
    assert {
        k: body[k] for k in ("limit", "drawn", "available", "accrued_interest", "status", "days_past_due")
    } == {
        "limit": "50000.00",
        "drawn": "0.00",
        "available": "50000.00",
        "accrued_interest": "0.00",
        "status": "active",
        "days_past_due": 0,
    }
    assert D(body["annual_rate"]) == D("0.0365")


def test_another_customer_gets_404_and_an_empty_list(line):
    api = client_for(CustomerFactory().user)
    assert api.get(f"/api/v1/credit-lines/{line.pk}/").status_code == 404
    assert api.get("/api/v1/credit-lines/").json()["results"] == []
    refused = api.post(f"/api/v1/credit-lines/{line.pk}/draws/", {"amount": "10.00"}, format="json")
    assert refused.status_code == 404
    assert CreditLineTransaction.objects.count() == 0


def test_a_draw_and_a_repayment_with_idempotency_keys(line):
    api = client_for(line.customer.user)
    with on(line.opened_on):
        first = api.post(
            f"/api/v1/credit-lines/{line.pk}/draws/",
            {"amount": "1000.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="d-1",
        )
        again = api.post(
            f"/api/v1/credit-lines/{line.pk}/draws/",
            {"amount": "1000.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="d-1",
        )
        repaid = api.post(
            f"/api/v1/credit-lines/{line.pk}/repayments/",
            {"amount": "400.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="r-1",
        )
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json() == again.json()
    assert first.json()["credit_line"]["available"] == "49000.00"
    assert repaid.status_code == 201
    assert (repaid.json()["interest"], repaid.json()["principal"]) == ("0.00", "400.00")
    assert repaid.json()["credit_line"]["drawn"] == "600.00"
    assert CreditLineTransaction.objects.count() == 2


def test_a_draw_above_the_available_limit_is_a_400_naming_amount(line):
    api = client_for(line.customer.user)
    entries = JournalEntry.objects.count()
    with on(line.opened_on):
        refused = api.post(f"/api/v1/credit-lines/{line.pk}/draws/", {"amount": "50000.01"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["amount"]
    assert "50000.00" in refused.json()["errors"]["amount"][0]
    assert (CreditLineTransaction.objects.count(), JournalEntry.objects.count()) == (0, entries)


@pytest.mark.parametrize("body", [{}, {"amount": "abc"}, {"amount": "-1"}, {"amount": "1.001"}])
def test_bad_bodies_are_field_errors(line, body):
    with on(line.opened_on):
        refused = client_for(line.customer.user).post(
            f"/api/v1/credit-lines/{line.pk}/draws/", body, format="json"
        )
    assert refused.status_code == 400
    assert "amount" in refused.json()["errors"]


def test_an_auditor_sees_the_line_but_may_not_draw(line):
    auditor = UserFactory(username="auditor-api", role=roles.AUDITOR)
    api = client_for(auditor)
    assert api.get(f"/api/v1/credit-lines/{line.pk}/").status_code == 200
    with on(line.opened_on):
        refused = api.post(f"/api/v1/credit-lines/{line.pk}/draws/", {"amount": "1.00"}, format="json")
    assert refused.status_code == 403
    assert CreditLineTransaction.objects.count() == 0
