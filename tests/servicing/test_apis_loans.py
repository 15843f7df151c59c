"""Loans API: (anonymous, owner, other customer, officer, auditor) x (list, detail)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _client(people, who: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if who != "anonymous":
        client.force_authenticate(people[who])
    return client


# who -> (list status, loans listed, owner's loan detail status)
MATRIX = {
    "anonymous": (401, None, 401),
    "owner": (200, {"owner_loan"}, 200),
    "other": (200, {"other_loan"}, 404),
    "idle": (200, set(), 404),
    "marketing": (200, set(), 404),
    "officer": (200, {"owner_loan", "other_loan"}, 200),
    "auditor": (200, {"owner_loan", "other_loan"}, 200),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_list(people, who):
    status, listed, _ = MATRIX[who]
    response = _client(people, who).get("/api/v1/loans/")
    assert response.status_code == status
    if listed is not None:
        body = response.json()
        assert body["count"] == len(listed)
        assert {item["id"] for item in body["results"]} == {people[name].pk for name in listed}


@pytest.mark.parametrize("who", list(MATRIX))
def test_detail_of_the_owners_loan(people, who):
    *_, status = MATRIX[who]
    response = _client(people, who).get(f"/api/v1/loans/{people['owner_loan'].pk}/")
    assert response.status_code == status


def test_a_bad_token_is_refused(people):
    # 401 with WWW-Authenticate: Token (the first authentication class is the token's).
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/v1/loans/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "results" not in response.json()


def test_detail_carries_the_pinned_schedule_summary_and_application(people):
    loan = people["owner_loan"]
    body = _client(people, "owner").get(f"/api/v1/loans/{loan.pk}/").json()
    assert body["number"] == loan.number
    assert body["origin"] == loan.origin_ref
    assert body["status"] == "active"
    assert body["principal"] == "100000.00"
    assert body["annual_rate"] == "0.060000"
    assert body["fees"] == [
        {"type": "upfront", "amount": "200.00", "rate": None},
        {"type": "upfront_percent", "amount": None, "rate": "0.01000000"},
    ]
    assert body["grace"] is None
    assert body["summary"] == {
        "total_principal": "100000.00",
        "total_interest": f"{loan.total_interest:.2f}",
        "total_fees": "1200.00",
        "upfront_fees": "1200.00",
        "total_payable": f"{loan.total_payable:.2f}",
        "net_proceeds": "98800.00",
        "apr": f"{loan.apr:.6f}",
        "effective_annual_rate": f"{loan.effective_annual_rate:.6f}",
    }
    rows = list(loan.installments.order_by("number"))
    assert len(body["installments"]) == len(rows) == 12
    assert body["installments"][0] == {
        "number": 1,
        "due_date": rows[0].due_date.isoformat(),
        "payment": f"{rows[0].payment:.2f}",
        "principal": f"{rows[0].principal:.2f}",
        "interest": f"{rows[0].interest:.2f}",
        "fees": "0.00",
        "balance": f"{rows[0].balance:.2f}",
        "paid_principal": "0.00",
        "paid_interest": "0.00",
        "paid_fees": "0.00",
        "paid_penalty": "0.00",
        "status": "pending",
        "paid_on": None,
    }
    # 100,000 at 6 % over 12 months: 8,606.64 a month (annuity formula, rounded half-up).
    assert body["installments"][0]["payment"] == "8606.64"
    assert sum(Decimal(row["principal"]) for row in body["installments"]) == Decimal("100000.00")


def test_list_is_paginated_newest_first(people):
    body = _client(people, "officer").get("/api/v1/loans/?limit=1").json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [people["other_loan"].pk]
    assert body["next"] is not None
    item = body["results"][0]
    assert item["principal"] == "100000.00"
    assert item["apr"] == f"{people['other_loan'].apr:.6f}"
    assert item["origin"] == people["other_loan"].origin_ref


def test_list_does_not_query_per_loan(people, django_assert_max_num_queries):
    client = _client(people, "officer")
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/loans/").status_code == 200


def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/loans/{loan_id}/:" in schema
    assert "LoanDetail:" in schema
