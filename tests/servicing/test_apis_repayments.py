"""Servicing API beyond the loan list: the loan's position, repayments (post, list, reverse), the
payoff and the trial balance. A role × endpoint matrix, idempotency, field-level errors with
nothing posted, and the allocation answered equal to the one stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from rest_framework.test import APIClient

from loanhub import clock, roles
from servicing import repayments
from servicing.calendar import open_business_date
from servicing.models import JournalEntry, Repayment
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

pytestmark = pytest.mark.django_db
D = Decimal


def _months_ago(n: int) -> dt.date:
    return clock.today() - relativedelta(months=n)


@pytest.fixture
def cast():
    """A customer with a loan disbursed two months ago (one installment overdue), another
    customer with a loan, a user in every staff role, and a repayment the officer posted."""
    version = active_version()
    owner = CustomerFactory(user__username="owner")
    other = CustomerFactory(user__username="other")
    users = {
        "officer": UserFactory(username="officer", role=roles.LOAN_OFFICER),
        "senior": UserFactory(username="senior", role=roles.SENIOR_APPROVER),
        "analyst": UserFactory(username="analyst", role=roles.RISK_ANALYST),
        "pm": UserFactory(username="pm", role=roles.PRODUCT_MANAGER),
        "marketing": UserFactory(username="marketing", role=roles.MARKETING_MANAGER),
        "auditor": UserFactory(username="auditor", role=roles.AUDITOR),
        "owner": owner.user,
        "other": other.user,
    }
    start = _months_ago(2)
    loan = open_loan(ApplicationFactory(customer=owner, product_version=version), disbursed_on=start, fees=[])
    open_loan(ApplicationFactory(customer=other, product_version=version), disbursed_on=start, fees=[])
    loan = repayments.loan_refresh(loan)
    posted = repayments.repayment_post(loan=loan, amount=D("10.00"), actor=users["officer"])
    return {"users": users, "loan": loan, "repayment": posted}


def _client(cast, who: str, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if who != "anonymous":
        client.force_authenticate(cast["users"][who])
    return client


def _call(client, cast, endpoint: str):
    loan, repayment = cast["loan"], cast["repayment"]
    if endpoint == "detail":
        return client.get(f"/api/v1/loans/{loan.pk}/")
    if endpoint == "repayments":
        return client.get(f"/api/v1/loans/{loan.pk}/repayments/")
    if endpoint == "repay":
        return client.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": "100.00"}, format="json")
    if endpoint == "reverse":
        return client.post(
            f"/api/v1/repayments/{repayment.pk}/reverse/", {"reason": "bounced"}, format="json"
        )
    if endpoint == "payoff":
        return client.get(f"/api/v1/loans/{loan.pk}/payoff/")
    if endpoint == "provisions":
        return client.get("/api/v1/ledger/provisions/")
    assert endpoint == "trial-balance"
    return client.get("/api/v1/ledger/trial-balance/")


ENDPOINTS = ("detail", "repayments", "repay", "reverse", "payoff", "trial-balance", "provisions")
# who -> status per endpoint, in the order of ENDPOINTS. Reading a loan: whoever may see it (the
# owner, staff with servicing.view_loan); paying: the owner and Loan Officers (Senior Approvers
# hold the officer's rights); reversing: Loan Officers; the ledger: staff who may read it.
MATRIX = {
    "anonymous": (401, 401, 401, 401, 401, 401, 401),
    "owner": (200, 200, 201, 403, 200, 403, 403),
    "other": (404, 404, 404, 404, 404, 403, 403),
    "officer": (200, 200, 201, 200, 200, 200, 200),
    "senior": (200, 200, 201, 200, 200, 200, 200),
    "analyst": (200, 200, 403, 403, 200, 200, 200),
    "pm": (200, 200, 403, 403, 200, 200, 200),
    "marketing": (404, 404, 404, 404, 404, 403, 403),
    "auditor": (200, 200, 403, 403, 200, 200, 200),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", list(MATRIX))
def test_role_endpoint_matrix(cast, who, endpoint):
    expected = MATRIX[who][ENDPOINTS.index(endpoint)]
    before = list(Repayment.objects.order_by("pk").values_list("pk", "status"))
    response = _call(_client(cast, who), cast, endpoint)
    assert response.status_code == expected, response.content
    after = list(Repayment.objects.order_by("pk").values_list("pk", "status"))
    if endpoint == "repay" and expected == 201:
        assert len(after) == len(before) + 1
    elif endpoint == "reverse" and expected == 200:
        assert after == [(cast["repayment"].pk, "reversed")]
    else:
        assert after == before  # a refused or read-only call changes nothing
    if expected >= 400:
        assert set(response.json()) == {"detail", "code", "errors", "state"}


def test_detail_carries_the_position_from_the_loans_columns(cast):
    loan = cast["loan"]
    loan.refresh_from_db()
    body = _client(cast, "owner").get(f"/api/v1/loans/{loan.pk}/").json()
    assert loan.days_past_due > 0
    assert body["status"] == "active"
    assert body["days_past_due"] == loan.days_past_due
    assert body["delinquency_bucket"] == loan.delinquency_bucket
    assert body["classification"] == "special_mention"
    assert body["ifrs9_stage"] == loan.ifrs9_stage
    assert body["penalty_annual_rate"] == "0.090000"  # 6 % × 1.5
    total = loan.principal_outstanding + loan.interest_due + loan.penalty_due + loan.fees_due
    assert body["outstanding"] == {
        "principal": f"{loan.principal_outstanding:.2f}",
        "interest": f"{loan.interest_due:.2f}",
        "penalty": f"{loan.penalty_due:.2f}",
        "fees": f"{loan.fees_due:.2f}",
        "total": f"{total:.2f}",
    }
    assert body["next_due"] == {
        "date": loan.next_due_date.isoformat(),
        "amount": f"{loan.next_due_amount:.2f}",
    }
    assert body["provision"] == f"{loan.sl_reserve:.2f}"
    assert body["position_date"] == open_business_date().isoformat()
    first = loan.installments.get(number=1)
    assert body["installments"][0]["status"] == first.status == "overdue"
    row = body["installments"][0]
    paid = ("paid_principal", "paid_interest", "paid_fees", "paid_penalty")
    assert [row[k] for k in paid] == [f"{getattr(first, k):.2f}" for k in paid]
    assert sum(D(row[k]) for k in paid) == D("10.00")  # the repayment of the fixture


def test_a_repayment_answers_the_allocation_it_stored(cast):
    loan = cast["loan"]
    client = _client(cast, "owner")
    response = client.post(
        f"/api/v1/loans/{loan.pk}/repayments/",
        {"amount": "9000.00", "reference": "bank 123"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )
    assert response.status_code == 201
    body = response.json()
    stored = Repayment.objects.get(pk=body["id"])
    assert body["amount"] == "9000.00"
    assert body["value_date"] == open_business_date().isoformat() == stored.value_date.isoformat()
    assert body["allocation"] == {k: f"{v:.2f}" for k, v in stored.allocation.items()}
    assert sum(D(v) for v in body["allocation"].values()) == D("9000.00")
    assert D(body["allocation"]["penalty"]) > 0  # the overdue installment's penalty first (Civil Code)
    assert body["allocation_lines"] == [
        {"installment": n, "component": c, "amount": f"{D(a):.2f}"} for n, c, a in stored.allocation_lines
    ]
    assert (body["channel"], body["reference"], body["status"]) == ("api", "bank 123", "posted")
    listed = client.get(f"/api/v1/loans/{loan.pk}/repayments/").json()
    assert listed["count"] == 2
    assert listed["results"][0]["id"] in {body["id"], cast["repayment"].pk}


def test_the_same_idempotency_key_posts_once_and_answers_the_same(cast):
    loan = cast["loan"]
    client = _client(cast, "owner")
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    first = client.post(url, {"amount": "500.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    entries = JournalEntry.objects.count()
    second = client.post(url, {"amount": "500.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Repayment.objects.filter(loan=loan, amount=D("500.00")).count() == 1
    assert JournalEntry.objects.count() == entries
    reused = client.post(url, {"amount": "600.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422
    # Without a key, two posts are two payments.
    client.post(url, {"amount": "500.00"}, format="json")
    assert Repayment.objects.filter(loan=loan, amount=D("500.00")).count() == 2


def _future() -> str:
    return (open_business_date() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({}, "amount"),
        ({"amount": "100.00", "value_date": "tomorrow"}, "value_date"),
        ({"amount": "100.00", "value_date": "FUTURE"}, "value_date"),
        ({"amount": "100.00", "value_date": "BEFORE"}, "value_date"),
        ({"amount": "100.00", "reference": "x" * 65}, "reference"),
    ],
)
def test_bad_input_is_a_field_error_and_posts_nothing(cast, body, field):
    loan = cast["loan"]
    if body.get("value_date") == "FUTURE":
        body = {**body, "value_date": _future()}
    elif body.get("value_date") == "BEFORE":
        body = {**body, "value_date": (loan.start_date - dt.timedelta(days=1)).isoformat()}
    repayments_before, entries = Repayment.objects.count(), JournalEntry.objects.count()
    response = _client(cast, "officer").post(f"/api/v1/loans/{loan.pk}/repayments/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]
    assert (Repayment.objects.count(), JournalEntry.objects.count()) == (repayments_before, entries)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 400), ("officer", 400), ("analyst", 403), ("pm", 403), ("auditor", 403), ("other", 404)]
    + [("marketing", 404)],
)
@pytest.mark.parametrize("body", [{}, {"amount": "-5.00"}])
def test_the_right_to_pay_is_checked_before_the_body(cast, who, expected, body):
    loan = cast["loan"]
    repayments_before, entries = Repayment.objects.count(), JournalEntry.objects.count()
    response = _client(cast, who).post(f"/api/v1/loans/{loan.pk}/repayments/", body, format="json")
    assert response.status_code == expected, response.content
    assert (Repayment.objects.count(), JournalEntry.objects.count()) == (repayments_before, entries)


def test_the_service_refuses_the_caller_before_the_amount(cast):
    from loanhub.errors import Forbidden

    with pytest.raises(Forbidden):
        repayments.repayment_post(loan=cast["loan"], amount=D("-5.00"), actor=cast["users"]["analyst"])


def test_a_closed_loan_takes_no_payment_and_reversing_twice_is_a_conflict(cast):
    # Every installment of this loan is due, so paying the payoff amount settles it.
    loan = open_loan(
        ApplicationFactory(customer=cast["loan"].customer), disbursed_on=_months_ago(4), term=3, fees=[]
    )
    client = _client(cast, "officer")
    payoff = client.get(f"/api/v1/loans/{loan.pk}/payoff/").json()
    paid = client.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": payoff["total"]}, format="json")
    assert paid.status_code == 201
    assert client.get(f"/api/v1/loans/{loan.pk}/").json()["status"] == "closed"
    assert client.get(f"/api/v1/loans/{loan.pk}/").json()["next_due"] is None
    count, entries = Repayment.objects.count(), JournalEntry.objects.count()
    refused = client.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": "1.00"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["state"] == "closed"
    assert (Repayment.objects.count(), JournalEntry.objects.count()) == (count, entries)

    url = f"/api/v1/repayments/{paid.json()['id']}/reverse/"
    first = client.post(url, {"reason": "bounced"}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "reversed"
    assert first.json()["reversal_reason"] == "bounced"
    assert client.get(f"/api/v1/loans/{loan.pk}/").json()["status"] == "active"  # reopened
    entries = JournalEntry.objects.count()
    second = client.post(url, {"reason": "again"}, format="json")
    assert second.status_code == 409
    assert second.json()["state"] == "reversed"
    assert JournalEntry.objects.count() == entries


def test_a_reversal_needs_a_reason(cast):
    url = f"/api/v1/repayments/{cast['repayment'].pk}/reverse/"
    client = _client(cast, "officer")
    for body in ({}, {"reason": "  "}):
        response = client.post(url, body, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["reason"]
    assert Repayment.objects.get().status == "posted"


def test_payoff_on_a_date(cast):
    loan = cast["loan"]
    client = _client(cast, "owner")
    today = open_business_date()
    body = client.get(f"/api/v1/loans/{loan.pk}/payoff/").json()
    quote = repayments.payoff_quote(loan)
    assert body == {
        "date": today.isoformat(),
        **{k: f"{quote[k]:.2f}" for k in ("principal", "interest", "penalty", "fees", "credit", "total")},
    }
    later = client.get(
        f"/api/v1/loans/{loan.pk}/payoff/", {"date": (today + dt.timedelta(days=10)).isoformat()}
    )
    assert later.status_code == 200
    assert D(later.json()["total"]) > D(body["total"])  # ten more days of interest and penalty
    for bad in ("yesterday", (today - dt.timedelta(days=1)).isoformat(), "9999-12-31"):
        response = client.get(f"/api/v1/loans/{loan.pk}/payoff/", {"date": bad})
        assert response.status_code == 400, bad
        assert list(response.json()["errors"]) == ["date"]


def test_trial_balance_balances_and_names_accounts_in_the_request_language(cast):
    body = _client(cast, "auditor").get("/api/v1/ledger/trial-balance/").json()
    assert body["total_debit"] == body["total_credit"]
    accounts = {row["code"]: row for row in body["accounts"]}
    assert sum(D(row["debit"]) for row in body["accounts"]) == D(body["total_debit"])
    for row in body["accounts"]:
        assert D(row["debit"]) == 0 or D(row["credit"]) == 0
    principal = sum((loan.principal_outstanding for loan in type(cast["loan"]).objects.all()), D("0.00"))
    assert accounts["1100"]["debit"] == f"{principal:.2f}"
    assert accounts["1100"]["name"] == "Loans receivable"
    chinese = _client(cast, "auditor", "zh-hans").get("/api/v1/ledger/trial-balance/").json()
    assert {row["code"]: row["name"] for row in chinese["accounts"]}["1100"] == "贷款应收"
