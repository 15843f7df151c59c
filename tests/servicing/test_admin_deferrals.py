"""The officer's page for a pending deferral (issue 14): the request with its new schedule beside
the schedule now, Approve and Reject through `servicing.deferrals` (maker-checker as the service
enforces it: never the requester, two different officers above the amount); refusals change
nothing; an auditor may look but not decide."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.utils import translation

from loanhub import roles
from servicing import deferrals
from servicing.choices import ChangeStatus
from servicing.models import LoanEvent
from tests.products.factories import UserFactory
from tests.servicing.test_prepayments import _ledger_balanced, _loan

pytestmark = pytest.mark.django_db


def _url(change) -> str:
    return f"/admin/servicing/schedulechange/{change.pk}/decide/"


@pytest.fixture
def request_two(people):
    """A pending deferral of the next two installments, asked for by the borrower."""
    loan = _loan(people)
    return deferrals.deferral_request(loan=loan, installments=2, reason="hospital", actor=people["owner"])


def test_the_page_shows_the_new_schedule_beside_the_current_one(client, people, request_two):
    client.force_login(people["officer"])
    page = client.get(_url(request_two))
    assert page.status_code == 200
    new = page.context["new_rows"]
    assert [row["payment"] for row in new] == [r["payment"] for r in request_two.quote["new_schedule"]]
    assert [row["payment"] for row in new[:2]] == ["0.00", "0.00"]  # the deferred installments
    current = page.context["current_rows"]
    assert [r["due_date"].isoformat() for r in current] == [r["due_date"] for r in new]
    body = page.content.decode()
    assert new[2]["payment"] in body
    assert 'value="approve"' in body
    assert 'value="reject"' in body
    # The list links the pending deferral to its page.
    listing = client.get("/admin/servicing/schedulechange/").content.decode()
    assert _url(request_two) in listing


def test_an_officer_approves_and_the_schedule_applies(client, people, request_two, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    client.force_login(people["officer"])
    response = client.post(_url(request_two), {"decision": "approve"})
    assert response.status_code == 302
    request_two.refresh_from_db()
    assert request_two.status == ChangeStatus.APPROVED
    assert request_two.decided_by == people["officer"]
    loan = request_two.loan
    loan.refresh_from_db()
    assert loan.schedule_version == 1
    assert LoanEvent.objects.filter(loan=loan, from_state="pending", to_state="approved").count() == 1
    _ledger_balanced(loan)


def test_above_the_amount_two_different_officers_approve(client, people, request_two, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("1000")
    second = UserFactory(username="officer2", role=roles.LOAN_OFFICER)
    client.force_login(people["officer"])
    page = client.get(_url(request_two))
    assert page.context["needs_two"] is True
    assert 'class="needs-two"' in page.content.decode()
    client.post(_url(request_two), {"decision": "approve"})
    request_two.refresh_from_db()
    assert request_two.status == ChangeStatus.PENDING
    assert request_two.first_approved_by == people["officer"]
    # The same officer again: refused with a message, nothing changes.
    again = client.post(_url(request_two), {"decision": "approve"}, follow=True)
    with translation.override(again.wsgi_request.LANGUAGE_CODE):
        expected = translation.gettext("A second, different officer must approve this deferral.")
    assert [str(m) for m in again.context["messages"]][-1] == expected
    request_two.refresh_from_db()
    assert request_two.status == ChangeStatus.PENDING
    assert request_two.loan.schedule_version == 0
    client.force_login(second)
    client.post(_url(request_two), {"decision": "approve"})
    request_two.refresh_from_db()
    assert request_two.status == ChangeStatus.APPROVED
    assert request_two.decided_by == second


def test_an_officer_rejects_with_a_reason(client, people, request_two):
    client.force_login(people["officer"])
    before = list(request_two.loan.installments.values_list("number", "payment"))
    client.post(_url(request_two), {"decision": "reject", "reason": "income not proven"})
    request_two.refresh_from_db()
    assert request_two.status == ChangeStatus.REJECTED
    assert list(request_two.loan.installments.values_list("number", "payment")) == before
    event = LoanEvent.objects.get(loan=request_two.loan, to_state="rejected")
    assert event.reason == "income not proven"


def test_the_requester_and_an_auditor_may_not_decide(client, people, request_two):
    requester = UserFactory(username="officer3", role=roles.LOAN_OFFICER)
    asked = deferrals.deferral_reject(change_id=request_two.pk, actor=people["officer"])
    assert asked.status == ChangeStatus.REJECTED
    own = deferrals.deferral_request(loan=request_two.loan, installments=1, reason="flood", actor=requester)
    client.force_login(requester)
    page = client.get(_url(own)).content.decode()
    assert 'value="approve"' not in page
    refused = client.post(_url(own), {"decision": "approve"}, follow=True)
    with translation.override(refused.wsgi_request.LANGUAGE_CODE):  # the console's language
        expected = translation.gettext("Someone other than the requester must decide a deferral.")
    assert [str(m) for m in refused.context["messages"]] == [expected]
    client.force_login(people["auditor"])
    assert client.get(_url(own)).status_code == 200
    assert client.post(_url(own), {"decision": "approve"}).status_code == 403
    own.refresh_from_db()
    assert own.status == ChangeStatus.PENDING
    assert own.loan.schedule_version == 0
