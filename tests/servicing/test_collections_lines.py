"""Collections for credit lines: a line whose statement minimum is past due enters the collections
queue of its bucket, is escalated and closed like a loan's case, gets the dunning steps once per
step and delinquency, and a promise to pay on it is kept by the line's repayments.

Lines are put past due by writing their position (what `servicing.lines` keeps after each close
of business) directly, as the loans' tests move a loan's days past due."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import clock, roles
from notifications.models import Message, MessageTemplate
from servicing import collections
from servicing.dunning_defaults import ensure_dunning_defaults
from servicing.models import (
    CollectionCase,
    CollectionQueue,
    CreditLine,
    CreditLineTransaction,
    DunningNotice,
    DunningStep,
)
from servicing.models.collections import CaseStatus, PromiseStatus
from servicing.rules import bucket_for
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db
D = Decimal
ONE_DAY = dt.timedelta(days=1)


def _yesterday() -> dt.date:
    return clock.today() - ONE_DAY


def _close_day(day: dt.date | None = None) -> dict:
    return collections.collections_close_day(business_date=day or _yesterday())


def _overdue(line: CreditLine, dpd: int, *, minimum="800.00", penalty="12.00") -> None:
    """The line's last statement minimum `dpd` days past due (as close of business leaves it)."""
    CreditLine.objects.filter(pk=line.pk).update(
        days_past_due=dpd,
        delinquency_bucket=bucket_for(dpd),
        minimum_due=D(minimum) if dpd else D("0.00"),
        penalty_due=D(penalty) if dpd else D("0.00"),
        due_date=clock.today() - dt.timedelta(days=dpd),
        position_date=clock.today(),
    )


@pytest.fixture
def collector():
    return UserFactory(username="line-collector", role=roles.LOAN_OFFICER)


@pytest.fixture
def line():
    return open_line(
        customer=CustomerFactory(phone="13812345678"), opened_on=clock.today() - dt.timedelta(days=90)
    )


def test_an_overdue_line_enters_its_buckets_queue_once_and_leaves_it_when_cured(line, collector):
    CollectionQueue.objects.create(bucket="1-30").collectors.add(collector)
    other = open_line(number="C00000002", opened_on=clock.today() - dt.timedelta(days=90))  # performing
    _overdue(line, 10)

    first, second = _close_day(), _close_day()

    case = CollectionCase.objects.get()
    assert (first["cases_opened"], second.get("cases_opened", 0)) == (1, 0)
    assert (case.credit_line_id, case.loan_id, case.status) == (line.pk, None, CaseStatus.OPEN)
    assert (case.bucket, case.days_past_due, case.amount_overdue) == ("1-30", 10, D("812.00"))  # 800 + 12
    assert case.assigned_to == collector
    assert case.account == line
    assert not CollectionCase.objects.filter(credit_line=other).exists()

    # Into the next bucket: the case follows (an event); at the legal days past due, escalated.
    _overdue(line, 40)
    assert _close_day(clock.today())["cases_moved"] == 1
    case.refresh_from_db()
    assert (case.bucket, case.days_past_due, case.max_days_past_due) == ("31-60", 40, 40)
    _overdue(line, 90)
    assert _close_day(clock.today() + ONE_DAY)["cases_legal"] == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.LEGAL

    # The minimum paid: cured, closed once.
    _overdue(line, 0)
    assert _close_day(clock.today() + 2 * ONE_DAY)["cases_closed"] == 1
    case.refresh_from_db()
    assert (case.status, case.days_past_due, case.amount_overdue) == (CaseStatus.CLOSED, 0, D("0.00"))
    assert case.events.last().reason == "cured"
    assert _close_day(clock.today() + 2 * ONE_DAY).get("cases_closed", 0) == 0


def test_a_line_case_and_a_loan_case_of_the_same_day_stay_apart(line):
    """The loans' cure sweep leaves line cases alone (their loan is empty)."""
    _overdue(line, 10)
    _close_day()
    assert _close_day(clock.today()).get("cases_closed", 0) == 0
    assert CollectionCase.objects.get().status == CaseStatus.OPEN


def test_dunning_sends_each_step_once_per_line(line):
    ensure_dunning_defaults(DunningStep, MessageTemplate)
    _overdue(line, 8)  # past the day-7 step, before the day-30 one

    assert _close_day()["dunning_sent"] == 1
    assert _close_day()["dunning_sent"] == 0
    notice = DunningNotice.objects.get()
    assert (notice.credit_line_id, notice.loan_id, notice.step.code) == (line.pk, None, "overdue-7")
    assert notice.anchor == clock.today() - dt.timedelta(days=8)  # the first day past due
    message = Message.objects.get(pk=notice.message_id)
    assert message.user == line.customer.user
    assert line.number in message.body
    assert "8" in message.body

    _overdue(line, 30)
    assert _close_day()["dunning_sent"] == 1
    assert _close_day()["dunning_sent"] == 0
    sms = Message.objects.get(dedupe_key__contains="overdue-30")
    assert (sms.channel, sms.address) == ("sms", "13812345678")


def test_a_reminder_before_the_statements_due_date(line):
    ensure_dunning_defaults(DunningStep, MessageTemplate)
    due = clock.today() + 2 * ONE_DAY
    CreditLine.objects.filter(pk=line.pk).update(minimum_due=D("500.00"), due_date=due)

    assert _close_day()["dunning_sent"] == 1
    assert _close_day()["dunning_sent"] == 0
    notice = DunningNotice.objects.get()
    assert (notice.step.code, notice.anchor, notice.credit_line_id) == ("reminder-3", due, line.pk)
    assert "500.00" in Message.objects.get(pk=notice.message_id).body


def test_a_promise_on_a_line_case_is_kept_by_the_lines_repayments(line, collector):
    _overdue(line, 10)
    _close_day()
    case = CollectionCase.objects.get()
    promise = collections.case_promise_record(
        case=case, amount=D("800.00"), promised_date=clock.today() + 3 * ONE_DAY, actor=collector
    )
    CreditLineTransaction.objects.create(
        credit_line=line, kind="repayment", amount=D("500.00"), value_date=clock.today(), channel="portal"
    )
    _close_day(clock.today())
    promise.refresh_from_db()
    assert (promise.status, promise.paid) == (PromiseStatus.PENDING, D("500.00"))
    CreditLineTransaction.objects.create(
        credit_line=line, kind="repayment", amount=D("300.00"), value_date=clock.today(), channel="portal"
    )
    assert _close_day(clock.today())["promises_kept"] == 1
    promise.refresh_from_db()
    assert (promise.status, promise.paid) == (PromiseStatus.KEPT, D("800.00"))


def test_the_api_shows_a_line_case_with_its_number_and_masked_phone(line, collector):
    _overdue(line, 10)
    _close_day()
    client = APIClient()
    client.force_authenticate(UserFactory(username="line-analyst", role=roles.RISK_ANALYST))

    (row,) = client.get("/api/v1/collections/cases/", {"status": "active"}).json()["results"]
    assert (row["loan"], row["credit_line"], row["loan_number"]) == (None, line.pk, line.number)
    assert row["customer"] == line.customer.legal_name
    detail = client.get(f"/api/v1/collections/cases/{row['id']}/").json()
    assert detail["customer_phone"] != "13812345678"  # masked for all but the case's collector
