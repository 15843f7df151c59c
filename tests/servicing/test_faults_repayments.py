"""Repayments under faults on PostgreSQL: the database connection dropped inside the posting, and
two requests with one Idempotency-Key at the same moment.

- The request's connection is terminated by the server (pg_terminate_backend) after the payment's
  ledger entry is written and before the transaction commits: nothing of it is kept, the client
  gets a 503 with Retry-After (not a 500), and the retry with the same key posts it once.
- Two threads, each with its own connection, send the same payment with one key at once: one
  posting; the other waits on the key's row and answers the first one's response.

Both need PostgreSQL (SQLite serialises writers and has no server to drop a connection) and are
required in CI through LOANHUB_REQUIRE_SERVICES=1 (see the root conftest.py).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, connections
from rest_framework.test import APIClient

from loanhub import clock
from loanhub.errors import RETRY_AFTER_SECONDS
from loanhub.models import IdempotencyRecord
from servicing import ledger, repayments
from servicing.models import JournalEntry, Loan, Posting, Repayment
from tests.servicing.cob_helpers import check_ledger
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

pytestmark = [pytest.mark.services("postgres"), pytest.mark.django_db(transaction=True)]
D = Decimal


@pytest.fixture
def loan():
    """A customer's loan disbursed two months ago (one installment overdue)."""
    owner = CustomerFactory(user__username="owner")
    start = clock.today() - relativedelta(months=2)
    application = ApplicationFactory(customer=owner, product_version=active_version())
    return repayments.loan_refresh(open_loan(application, disbursed_on=start, fees=[]))


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def _books() -> tuple:
    """What a repayment writes: repayments, entries, postings, idempotency records, loan rows."""
    loans = list(Loan.objects.order_by("pk").values_list("pk", "principal_outstanding", "interest_due"))
    return (
        list(Repayment.objects.order_by("pk").values_list("pk", "amount")),
        JournalEntry.objects.count(),
        Posting.objects.count(),
        IdempotencyRecord.objects.count(),
        loans,
    )


def _terminate(pid: int) -> None:
    """End the server process `pid` from another connection (as an operator or a failover would)."""

    def kill():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone()[0] is True
        finally:
            connections.close_all()

    thread = threading.Thread(target=kill)
    thread.start()
    thread.join(timeout=30)


def test_a_connection_dropped_inside_the_posting_keeps_nothing_and_the_retry_posts_once(loan, monkeypatch):
    client = _client(_owner(loan))
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    before = _books()
    real_post = ledger.post
    dropped = []

    def post_then_lose_the_connection(**kwargs):
        entry = real_post(**kwargs)  # the entry and its legs are written, not committed
        if not dropped:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            _terminate(pid)
            dropped.append(pid)
        return entry

    monkeypatch.setattr(ledger, "post", post_then_lose_the_connection)

    # When the server drops the request's connection in the middle of the posting
    response = client.post(url, {"amount": "500.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    # Then a clear, retryable answer, and nothing of the payment, nor of its key, was kept
    assert dropped
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == "unavailable"
    assert "Idempotency-Key" in body["detail"]
    assert _books() == before
    check_ledger()

    # When the client retries with the same key: posted once, and a further retry replays it
    retried = client.post(url, {"amount": "500.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert retried.status_code == 201
    again = client.post(url, {"amount": "500.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == retried.json()
    assert Repayment.objects.filter(loan=loan, amount=D("500.00")).count() == 1
    assert JournalEntry.objects.count() == before[1] + 1
    check_ledger()


def _owner(loan):
    return Loan.objects.select_related("customer__user").get(pk=loan.pk).customer.user


def test_two_requests_with_one_idempotency_key_at_once_post_once_and_answer_the_same(loan):
    owner = _owner(loan)
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    entries = JournalEntry.objects.count()
    barrier = threading.Barrier(2)
    answers: list = []

    def pay():
        try:
            client = _client(owner)
            barrier.wait(timeout=10)
            response = client.post(url, {"amount": "700.00"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
            answers.append((response.status_code, response.json(), response.get("Idempotent-Replayed")))
        except Exception as exc:  # reported by the assertions below
            answers.append(("error", repr(exc), None))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # One posting; both answered 201 with the same repayment, the second as a replay
    assert [status for status, _body, _replayed in answers] == [201, 201], answers
    assert answers[0][1] == answers[1][1]
    assert sorted(str(replayed) for _s, _b, replayed in answers) == ["None", "true"]
    assert Repayment.objects.filter(loan=loan, amount=D("700.00")).count() == 1
    assert JournalEntry.objects.count() == entries + 1
    assert IdempotencyRecord.objects.filter(key="same").count() == 1
    check_ledger()
