"""Prepayment and deferral API (issue 14): the contract's bodies, idempotency (a replay posts
nothing, another body is 422, as on every endpoint with the key), field-level 400s that change
nothing, visibility (404) and roles."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from loanhub import roles
from servicing.calendar import open_business_date
from servicing.models import JournalEntry, Loan, Repayment, ScheduleChange
from tests.products.factories import UserFactory
from tests.servicing.test_prepayments import _loan

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(loan, what: str) -> str:
    return f"/api/v1/loans/{loan.pk}/{what}/"


def test_quote_answers_fee_interest_saved_and_new_schedule(people):
    loan = _loan(people)
    response = _client(people["owner"]).post(
        _url(loan, "prepayment-quote"),
        {"amount": "20000.00", "mode": "shorten_term", "value_date": open_business_date().isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["fee"] == "0.00"
    assert D(body["interest_saved"]) > 0
    assert body["closes_loan"] is False
    assert body["new_schedule"][0]["due_date"] > open_business_date().isoformat()
    assert D(body["total"]) == D(body["principal"]) + D(body["interest"]) + D(body["fee"]) + D(
        body["other_due"]
    )
    assert not ScheduleChange.objects.exists()


def test_prepayment_posts_the_quote_once_per_key(people):
    loan = _loan(people)
    client = _client(people["owner"])
    body = {"amount": "20000.00", "mode": "reduce_installment"}
    quote = client.post(_url(loan, "prepayment-quote"), body, format="json").json()
    first = client.post(_url(loan, "prepayments"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    assert first.json()["posted_amount"] == quote["total"]
    assert first.json()["quote"] == quote
    assert Repayment.objects.get(pk=first.json()["repayment"]).amount == D(quote["total"])
    entries = JournalEntry.objects.count()
    again = client.post(_url(loan, "prepayments"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.count() == entries
    other = client.post(
        _url(loan, "prepayments"), {"amount": "1000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert ScheduleChange.objects.count() == 1


def test_payoff_through_the_api_closes_the_loan(people):
    loan = _loan(people)
    client = _client(people["owner"])
    response = client.post(
        _url(loan, "prepayments"), {"amount": "500000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="payoff"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["loan_status"] == "closed"
    assert response.json()["quote"]["closes_loan"] is True
    loan.refresh_from_db()
    assert loan.status == "closed"
    again = client.post(_url(loan, "prepayment-quote"), {"amount": "100.00"}, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "100.00", "mode": "sideways"}, "mode"),
        ({"amount": "100.00", "value_date": "2001-01-01"}, "value_date"),
        ({"amount": "100.00", "value_date": "not a date"}, "value_date"),
    ],
)
def test_bad_prepayments_are_400_by_field_and_post_nothing(people, body, field):
    loan = _loan(people)
    entries = JournalEntry.objects.count()
    response = _client(people["owner"]).post(
        _url(loan, "prepayments"), body, format="json", HTTP_IDEMPOTENCY_KEY=f"bad-{field}"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert JournalEntry.objects.count() == entries
    assert not ScheduleChange.objects.exists()


def test_prepayment_needs_an_idempotency_key(people):
    loan = _loan(people)
    response = _client(people["owner"]).post(_url(loan, "prepayments"), {"amount": "100.00"}, format="json")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_another_customer_sees_nothing_and_staff_without_the_right_are_refused(people):
    loan = _loan(people)
    body = {"amount": "100.00"}
    assert (
        _client(people["other"]).post(_url(loan, "prepayment-quote"), body, format="json").status_code == 404
    )
    assert (
        _client(people["other"])
        .post(_url(loan, "prepayments"), body, format="json", HTTP_IDEMPOTENCY_KEY="x")
        .status_code
        == 404
    )
    assert (
        _client(people["auditor"]).post(_url(loan, "prepayment-quote"), body, format="json").status_code
        == 403
    )
    deferral = {"installments": 1, "reason": "r"}
    assert _client(people["other"]).post(_url(loan, "deferrals"), deferral, format="json").status_code == 404
    assert (
        _client(people["auditor"]).post(_url(loan, "deferrals"), deferral, format="json").status_code == 403
    )


def test_deferral_request_and_two_approvals_through_the_api(people, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("10000")
    loan = _loan(people)
    second = UserFactory(username="officer2", role=roles.LOAN_OFFICER)
    asked = _client(people["owner"]).post(
        _url(loan, "deferrals"), {"installments": 2, "reason": "medical leave"}, format="json"
    )
    assert asked.status_code == 201, asked.json()
    change = asked.json()
    assert change["status"] == "pending"
    assert change["quote"]["needs_two_approvals"] is True
    assert (
        len(change["quote"]["new_schedule"])
        == loan.installments.filter(due_date__gt=open_business_date()).count()
    )
    approve = _url(loan, f"deferrals/{change['id']}/approve")
    assert _client(people["owner"]).post(approve, {}, format="json").status_code == 403
    assert _client(people["other"]).post(approve, {}, format="json").status_code == 404
    first = _client(people["officer"]).post(approve, {}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "pending"
    assert first.json()["first_approved"] is True
    assert _client(people["officer"]).post(approve, {}, format="json").status_code == 403
    done = _client(second).post(approve, {}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "approved"
    assert Loan.objects.get(pk=loan.pk).schedule_version == 1
    assert (
        _client(second).post(_url(loan, f"deferrals/{change['id']}/reject"), {}, format="json").status_code
        == 409
    )


def test_deferral_field_errors_and_unknown_change(people):
    loan = _loan(people)
    client = _client(people["owner"])
    for body, field in (
        ({"reason": "r"}, "installments"),
        ({"installments": 9, "reason": "r"}, "installments"),
        ({"installments": 1, "reason": ""}, "reason"),
    ):
        response = client.post(_url(loan, "deferrals"), body, format="json")
        assert response.status_code == 400
        assert field in response.json()["errors"]
    assert not ScheduleChange.objects.exists()
    missing = _client(people["officer"]).post(_url(loan, "deferrals/999999/approve"), {}, format="json")
    assert missing.status_code == 404
