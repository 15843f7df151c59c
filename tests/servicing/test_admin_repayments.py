"""Officer console for servicing after disbursement: loans filtered by bucket and class, a loan's
page with its position, paid schedule, repayments, postings and events; repayment entry and
reversal through the services (an auditor may do neither)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from servicing import repayments
from servicing.calendar import open_business_date
from servicing.models import JournalEntry, LoanEvent, LoanSnapshot, Repayment
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def loans():
    """An overdue loan (disbursed two months ago, nothing paid) and a current one."""
    start = clock.today() - relativedelta(months=2)
    overdue = repayments.loan_refresh(open_loan(ApplicationFactory(), disbursed_on=start, fees=[]))
    current = repayments.loan_refresh(open_loan(ApplicationFactory(), disbursed_on=clock.today(), fees=[]))
    return {"overdue": overdue, "current": current}


@pytest.fixture
def officer(client):
    user = UserFactory(username="officer-a", role=roles.LOAN_OFFICER)
    client.force_login(user)
    return user


@pytest.fixture
def auditor(client):
    user = UserFactory(username="auditor-a", role=roles.AUDITOR)
    client.force_login(user)
    return user


def test_loans_filter_by_bucket_and_classification(client, officer, loans):
    url = "/admin/servicing/loan/"
    bucket = loans["overdue"].delinquency_bucket
    assert bucket != "current"
    by_bucket = client.get(url, {"bucket": bucket})
    assert list(by_bucket.context["cl"].result_list) == [loans["overdue"]]
    current = client.get(url, {"bucket": "current"})
    assert list(current.context["cl"].result_list) == [loans["current"]]
    classified = client.get(url, {"classification__exact": "special_mention"})
    assert list(classified.context["cl"].result_list) == [loans["overdue"]]
    assert list(client.get(url, {"classification__exact": "loss"}).context["cl"].result_list) == []


def test_a_loans_page_shows_position_paid_schedule_repayments_postings_events_and_history(
    client, officer, loans
):
    loan = loans["overdue"]
    repayment = repayments.repayment_post(loan=loan, amount=D("500.00"), actor=officer)
    LoanSnapshot.objects.create(
        business_date=open_business_date() - dt.timedelta(days=1),
        loan=loan,
        days_past_due=3,
        delinquency_bucket="1-30",
        classification="special_mention",
        ifrs9_stage=2,
    )
    response = client.get(f"/admin/servicing/loan/{loan.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Special mention (关注)" in html
    assert f"/admin/servicing/repayment/{repayment.pk}/change/" in html
    event = LoanEvent.objects.filter(loan=loan).latest("id")
    assert event.payload["repayment"] == repayment.pk
    assert event.reason in html  # the loan's events
    assert "classification-history" in html
    assert f"/admin/servicing/repayment/add/?loan={loan.pk}" in html
    assert "1010 Dr 500.00" in html  # the repayment entry's legs
    assert "Principal paid" in html  # the schedule shows what was paid


def test_an_officer_records_a_repayment_through_the_service(client, officer, loans):
    loan = loans["overdue"]
    form = client.get(f"/admin/servicing/repayment/add/?loan={loan.pk}")
    assert form.status_code == 200
    assert f'value="{loan.number}"' in form.content.decode()
    value_date = open_business_date() - dt.timedelta(days=1)
    response = client.post(
        "/admin/servicing/repayment/add/",
        {
            "loan": loan.number,
            "amount": "1000.00",
            "value_date": value_date.isoformat(),
            "channel": "branch",
            "reference": "receipt 7",
        },
    )
    repayment = Repayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/servicing/repayment/{repayment.pk}/change/"
    assert (repayment.amount, repayment.value_date, repayment.channel) == (D("1000.00"), value_date, "branch")
    assert (repayment.reference, repayment.posted_by) == ("receipt 7", officer)
    assert sum(repayment.allocation.values()) == D("1000.00")
    assert JournalEntry.objects.filter(loan=loan, kind="repayment").count() == 1
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "allocation-lines" in detail
    assert "reverse-repayment" in detail


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "0"}, "amount", "The amount must be more than zero."),
        ({"loan": "L99999999"}, "loan", "No loan has the number L99999999."),
        ({"value_date": "FUTURE"}, "value_date", "A payment cannot be valued in the future"),
    ],
)
def test_a_refused_entry_keeps_the_form_and_posts_nothing(client, officer, loans, data, field, message):
    loan = loans["overdue"]
    body = {"loan": loan.number, "amount": "100.00", "channel": "transfer", **data}
    if body.get("value_date") == "FUTURE":
        body["value_date"] = (open_business_date() + dt.timedelta(days=1)).isoformat()
    entries = JournalEntry.objects.count()
    response = client.post("/admin/servicing/repayment/add/", body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert Repayment.objects.count() == 0
    assert JournalEntry.objects.count() == entries


def test_an_officer_reverses_with_a_reason(client, officer, loans):
    loan = loans["overdue"]
    repayment = repayments.repayment_post(loan=loan, amount=D("500.00"), actor=officer)
    url = f"/admin/servicing/repayment/{repayment.pk}/reverse/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    repayment.refresh_from_db()
    assert repayment.status == "posted"
    response = client.post(url, {"reason": "Bounced direct debit"})
    assert response.status_code == 302
    repayment.refresh_from_db()
    assert (repayment.status, repayment.reversal_reason, repayment.reversed_by) == (
        "reversed",
        "Bounced direct debit",
        officer,
    )
    assert LoanEvent.objects.filter(loan=loan, to_state="reversed").exists()
    again = client.post(url, {"reason": "twice"}, follow=True)
    assert again.status_code == 200
    assert LoanEvent.objects.filter(loan=loan, to_state="reversed").count() == 1


def test_an_auditor_reads_repayments_but_can_neither_add_nor_reverse(client, auditor, loans):
    loan = loans["overdue"]
    repayment = repayments.repayment_post(
        loan=loan, amount=D("500.00"), actor=UserFactory(username="o2", role=roles.LOAN_OFFICER)
    )
    assert client.get("/admin/servicing/repayment/").status_code == 200
    page = client.get(f"/admin/servicing/repayment/{repayment.pk}/change/")
    assert page.status_code == 200
    assert "reverse-repayment" not in page.content.decode()
    assert client.get("/admin/servicing/repayment/add/").status_code == 403
    post = client.post(
        "/admin/servicing/repayment/add/", {"loan": loan.number, "amount": "1.00", "channel": "branch"}
    )
    assert post.status_code == 403
    assert (
        client.post(f"/admin/servicing/repayment/{repayment.pk}/reverse/", {"reason": "x"}).status_code == 403
    )
    assert client.post(f"/admin/servicing/repayment/{repayment.pk}/change/", {}).status_code == 403
    assert (
        client.post(f"/admin/servicing/repayment/{repayment.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    repayment.refresh_from_db()
    assert repayment.status == "posted"
    assert Repayment.objects.count() == 1
    loan_page = client.get(f"/admin/servicing/loan/{loan.pk}/change/").content.decode()
    assert "record-repayment" not in loan_page


def test_customers_have_no_console(client, loans):
    client.force_login(CustomerFactory(user__username="c-a").user)
    response = client.get("/admin/servicing/repayment/add/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
