"""Limits that grow with good history (issue 14): the monthly job proposes a higher credit limit
and a pre-approved top-up only for a customer who repaid on time and is not overdue; a month is
proposed once; officers approve (two people above the threshold), small increases are approved
by the system; an approved increase raises the line's limit with an event; customers see only
their own offers.

Histories are set up directly on small fixtures (installments marked paid on their due date, a
line's drawn principal), not by replaying months of close of business, to keep the tests fast.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, NotFound
from servicing import limits
from servicing.models import (
    CreditLine,
    CreditLineEvent,
    LimitProposal,
    LimitProposalEvent,
    Loan,
    LoanInstallment,
)
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db
D = Decimal


def customer_with_history(*, number: str, drawn: str = "30000.00", months: int = 8):
    """A customer with a 100,000 loan and a 50,000 line opened `months` ago, every installment
    fallen due paid on its due date, and `drawn` drawn on the line."""
    customer = CustomerFactory()
    start = clock.today() - relativedelta(months=months)
    loan = open_loan(ApplicationFactory(customer=customer), disbursed_on=start)
    LoanInstallment.objects.filter(loan=loan, due_date__lt=clock.today()).update(
        status="paid", paid_on=F("due_date")
    )
    line = open_line(customer=customer, opened_on=start, number=number)
    CreditLine.objects.filter(pk=line.pk).update(principal=D(drawn))
    return customer, loan, line


@pytest.fixture
def book():
    good, good_loan, good_line = customer_with_history(number="C00000001")
    # Overdue on the loan: the last installment fallen due is unpaid.
    late_loan_customer, late_loan, _ = customer_with_history(number="C00000002")
    last = LoanInstallment.objects.filter(loan=late_loan, due_date__lt=clock.today()).order_by("-number")[0]
    LoanInstallment.objects.filter(pk=last.pk).update(status="overdue", paid_on=None)
    Loan.objects.filter(pk=late_loan.pk).update(days_past_due=(clock.today() - last.due_date).days)
    # Overdue on the line only.
    late_line_customer, _, late_line = customer_with_history(number="C00000003")
    CreditLine.objects.filter(pk=late_line.pk).update(days_past_due=12)
    return {
        "good": good,
        "good_loan": good_loan,
        "good_line": good_line,
        "late_loan_customer": late_loan_customer,
        "late_line_customer": late_line_customer,
    }


@pytest.fixture
def staff():
    return {
        "officer": UserFactory(username="lim-officer", role=roles.LOAN_OFFICER),
        "officer2": UserFactory(username="lim-officer2", role=roles.LOAN_OFFICER),
        "senior": UserFactory(username="lim-senior", role=roles.SENIOR_APPROVER),
        "auditor": UserFactory(username="lim-auditor", role=roles.AUDITOR),
        "marketing": UserFactory(username="lim-marketing", role=roles.MARKETING_MANAGER),
    }


def test_only_the_on_time_customer_gets_proposals(book):
    made = limits.limit_proposals_run()

    assert {(p.customer_id, p.kind) for p in made} == {
        (book["good"].pk, "limit_increase"),
        (book["good"].pk, "top_up"),
    }
    increase = next(p for p in made if p.kind == "limit_increase")
    # 50,000 + 20 % = 60,000: an increase of 10,000, above the automatic approval amount.
    assert (increase.credit_line_id, increase.current_limit, increase.proposed_amount) == (
        book["good_line"].pk,
        D("50000.00"),
        D("60000.00"),
    )
    assert increase.status == "pending"
    assert increase.month == clock.today().replace(day=1)
    top_up = next(p for p in made if p.kind == "top_up")
    assert (top_up.loan_id, top_up.proposed_amount, top_up.status) == (
        book["good_loan"].pk,
        D("50000.00"),
        "pending",
    )
    # The history it was made from: 8 months, every payment on time, 60 % of the line used.
    facts = increase.facts
    assert facts["months_on_book"] == 8
    assert facts["on_time_ratio"] == "1.0000"
    assert facts["days_past_due"] == 0
    assert facts["utilisation"] == "0.6000"
    assert facts["score"] == increase.score == 80  # 50 on time + 30 × 8/24 + 20 used
    assert LimitProposalEvent.objects.filter(reason="proposed").count() == 2
    # Nothing changed on the line until someone approves.
    book["good_line"].refresh_from_db()
    assert book["good_line"].credit_limit == D("50000.00")


def test_the_overdue_customers_histories_say_why(book):
    histories = limits.repayment_histories(as_of=clock.today())
    assert "overdue" in histories[book["late_loan_customer"].pk].refusals()
    assert "recent_dpd" in histories[book["late_loan_customer"].pk].refusals()
    assert histories[book["late_line_customer"].pk].refusals() == ["overdue"]
    assert histories[book["good"].pk].refusals() == []


def test_a_late_payment_within_the_window_blocks_even_when_cured():
    customer, loan, _ = customer_with_history(number="C00000004")
    first = LoanInstallment.objects.filter(loan=loan).order_by("number")[0]
    LoanInstallment.objects.filter(pk=first.pk).update(paid_on=first.due_date + dt.timedelta(days=3))

    assert limits.limit_proposals_run() == []
    assert limits.customer_repayment_history(customer_id=customer.pk).refusals() == [
        "recent_dpd",
        "on_time_ratio",
    ]


def test_a_new_customer_does_not_qualify_yet():
    customer, _, _ = customer_with_history(number="C00000005", months=3)
    assert limits.limit_proposals_run() == []
    assert "months_on_book" in limits.customer_repayment_history(customer_id=customer.pk).refusals()


def test_a_month_is_proposed_once(book):
    first = limits.limit_proposals_run()
    again = limits.limit_proposals_run()
    call_command("propose_limits", "--month", clock.today().strftime("%Y-%m"))

    assert len(first) == 2
    assert again == []
    assert LimitProposal.objects.count() == 2
    # The next month: the increase still pending (and the top-up still open) are not proposed again.
    assert limits.limit_proposals_run(month=clock.today() + relativedelta(months=1)) == []


def test_the_command_refuses_a_bad_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("propose_limits", "--month", "2026-13")


def test_approving_an_increase_raises_the_limit_with_an_event(book, staff):
    increase = next(p for p in limits.limit_proposals_run() if p.kind == "limit_increase")

    done = limits.limit_proposal_approve(proposal_id=increase.pk, actor=staff["officer"])

    assert (done.status, done.decided_by, done.auto_approved) == ("approved", staff["officer"], False)
    line = CreditLine.objects.get(pk=book["good_line"].pk)
    assert line.credit_limit == D("60000.00")
    assert line.available == D("30000.00")
    event = CreditLineEvent.objects.get(credit_line=line, reason="limit_raised")
    assert (event.actor, event.payload["from_limit"], event.payload["to_limit"]) == (
        staff["officer"],
        "50000.00",
        "60000.00",
    )
    assert LimitProposalEvent.objects.filter(
        proposal=increase, from_state="pending", to_state="approved", actor=staff["officer"]
    ).exists()
    # The customer is told in the portal inbox (in their language: Chinese by default).
    from notifications.models import Message

    message = Message.objects.get(dedupe_key=f"limit-proposal-{increase.pk}")
    assert (message.user, message.channel) == (book["good"].user, "portal")
    assert "60,000.00 CNY" in message.body
    assert "C00000001" in message.body
    with pytest.raises(Conflict):  # a second approval changes nothing
        limits.limit_proposal_approve(proposal_id=increase.pk, actor=staff["officer2"])
    assert CreditLine.objects.get(pk=line.pk).credit_limit == D("60000.00")


def test_a_large_top_up_needs_a_second_approver_who_is_a_senior(book, staff):
    top_up = next(p for p in limits.limit_proposals_run() if p.kind == "top_up")  # 50,000 > 20,000

    first = limits.limit_proposal_approve(proposal_id=top_up.pk, actor=staff["officer"])
    assert (first.status, first.first_approved_by) == ("pending", staff["officer"])
    with pytest.raises(Forbidden):
        limits.limit_proposal_approve(proposal_id=top_up.pk, actor=staff["officer"])
    with pytest.raises(Forbidden):
        limits.limit_proposal_approve(proposal_id=top_up.pk, actor=staff["officer2"])
    assert LimitProposal.objects.get(pk=top_up.pk).status == "pending"

    done = limits.limit_proposal_approve(proposal_id=top_up.pk, actor=staff["senior"])
    assert (done.status, done.decided_by) == ("approved", staff["senior"])


def test_small_increases_are_approved_by_the_system(book, settings):
    settings.LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT = D("10000")

    made = {p.kind: p for p in limits.limit_proposals_run()}

    assert (made["limit_increase"].status, made["limit_increase"].auto_approved) == ("approved", True)
    assert made["limit_increase"].decided_by is None
    assert CreditLine.objects.get(pk=book["good_line"].pk).credit_limit == D("60000.00")
    assert made["top_up"].status == "pending"  # 50,000 is above the automatic amount


def test_approval_is_refused_once_the_customer_is_overdue(book, staff):
    increase = next(p for p in limits.limit_proposals_run() if p.kind == "limit_increase")
    Loan.objects.filter(pk=book["good_loan"].pk).update(days_past_due=2)

    with pytest.raises(Conflict, match="overdue"):
        limits.limit_proposal_approve(proposal_id=increase.pk, actor=staff["officer"])

    assert LimitProposal.objects.get(pk=increase.pk).status == "pending"
    assert CreditLine.objects.get(pk=book["good_line"].pk).credit_limit == D("50000.00")


def test_who_may_decide(book, staff):
    increase = next(p for p in limits.limit_proposals_run() if p.kind == "limit_increase")
    with pytest.raises(Forbidden):
        limits.limit_proposal_approve(proposal_id=increase.pk, actor=staff["auditor"])
    with pytest.raises(NotFound):
        limits.limit_proposal_reject(proposal_id=increase.pk, actor=staff["marketing"])
    with pytest.raises(NotFound):
        limits.limit_proposal_approve(proposal_id=increase.pk, actor=book["good"].user)
    assert LimitProposal.objects.get(pk=increase.pk).status == "pending"

    rejected = limits.limit_proposal_reject(proposal_id=increase.pk, actor=staff["officer"], reason="no")
    assert (rejected.status, rejected.decided_by) == ("rejected", staff["officer"])
    assert CreditLine.objects.get(pk=book["good_line"].pk).credit_limit == D("50000.00")


def test_customers_see_only_their_own_approved_offers(book, staff, settings):
    settings.LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT = D("10000")
    limits.limit_proposals_run()  # the increase approved by the system, the top-up pending
    other = book["late_loan_customer"].user

    api = APIClient()
    api.force_authenticate(book["good"].user)
    mine = api.get("/api/v1/limit-offers/")
    api.force_authenticate(other)
    theirs = api.get("/api/v1/limit-offers/")

    assert mine.status_code == 200
    assert [(o["kind"], o["previous_limit"], o["new_limit"], o["credit_line"]) for o in mine.json()] == [
        ("limit_increase", "50000.00", "60000.00", "C00000001")
    ]
    assert theirs.json() == []
    assert APIClient().get("/api/v1/limit-offers/").status_code == 401

    browser = Client()
    browser.force_login(book["good"].user)
    page = browser.get("/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="card limit-offer-card" data-kind="limit_increase"' in page
    assert "60,000.00" in page
    assert 'data-kind="top_up"' not in page  # pending: not an offer yet
    browser.force_login(other)
    assert "limit-offer-card" not in browser.get("/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_monthly_task_is_scheduled_and_thin(book):
    from django.conf import settings

    from servicing import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["servicing-propose-limits"]
    assert entry["task"] == "servicing.tasks.propose_limits"
    month = clock.today().replace(day=1).isoformat()
    assert tasks.propose_limits(month) == 2
    assert tasks.propose_limits(month) == 0  # a second delivery changes nothing


def test_officers_decide_in_the_admin_queue(book, staff):
    increase = next(p for p in limits.limit_proposals_run() if p.kind == "limit_increase")
    admin = Client()
    admin.force_login(staff["auditor"])
    url = "/admin/servicing/limitproposal/"
    assert admin.get(url).status_code == 200
    refused = admin.post(url, {"action": "approve_proposals", "_selected_action": [increase.pk]})
    assert refused.status_code == 200  # no such action for an auditor: nothing changes
    assert LimitProposal.objects.get(pk=increase.pk).status == "pending"

    admin.force_login(staff["officer"])
    done = admin.post(url, {"action": "approve_proposals", "_selected_action": [increase.pk]})
    assert done.status_code == 302
    assert LimitProposal.objects.get(pk=increase.pk).status == "approved"
    assert CreditLine.objects.get(pk=book["good_line"].pk).credit_limit == D("60000.00")


def test_a_pending_proposal_nobody_decided_expires(book, staff):
    increase = next(p for p in limits.limit_proposals_run() if p.kind == "limit_increase")
    LimitProposal.objects.filter(pk=increase.pk).update(expires_on=clock.today() - dt.timedelta(days=1))

    with pytest.raises(Conflict, match="expired"):
        limits.limit_proposal_approve(proposal_id=increase.pk, actor=staff["officer"])
    # The next month proposes the increase again (the top-up still pending and open is not).
    later = limits.limit_proposals_run(month=clock.today() + relativedelta(months=1))
    assert [(p.kind, p.customer_id) for p in later] == [("limit_increase", book["good"].pk)]
