"""Collections (催收): cases opened and closed by close of business, promises to pay kept and
broken, dunning sent once per step, escalation at the configured days past due, and the
officers' API with its permissions and masking.

Loans are made delinquent by disbursing them in the past (the replay at disbursement puts them
past due as of today), so no close of business has to be replayed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from rest_framework.test import APIClient

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid
from notifications.models import Message, MessageTemplate
from servicing import collections, repayments
from servicing.dunning_defaults import ensure_dunning_defaults
from servicing.models import (
    CollectionCase,
    CollectionQueue,
    ContactAttempt,
    DunningNotice,
    DunningStep,
    Loan,
    PromiseToPay,
)
from servicing.models.collections import CaseStatus, PromiseStatus
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan

pytestmark = pytest.mark.django_db
D = Decimal
ONE_DAY = dt.timedelta(days=1)


def _yesterday() -> dt.date:
    """The date whose close collections follow (servicing's open date is today: no run yet)."""
    return clock.today() - ONE_DAY


@pytest.fixture
def collector():
    return UserFactory(username="collector", role=roles.LOAN_OFFICER)


@pytest.fixture
def dunning():
    ensure_dunning_defaults(DunningStep, MessageTemplate)
    return DunningStep.objects.all()


def _delinquent(version=None, *, days: int = 10, customer=None) -> Loan:
    """A monthly loan whose first installment fell due `days` days ago, unpaid."""
    application = ApplicationFactory(
        customer=customer or CustomerFactory(), **({"product_version": version} if version else {})
    )
    disbursed_on = clock.today() - dt.timedelta(days=days) - relativedelta(months=1)
    loan = repayments.loan_refresh(open_loan(application, disbursed_on=disbursed_on, fees=[]))
    assert loan.days_past_due > 0, "the loan should be past due"
    return loan


def _set_dpd(loan: Loan, dpd: int) -> None:
    """Move a loan's position to `dpd` days past due (close of business does this in SQL)."""
    from servicing.rules import bucket_for

    Loan.objects.filter(pk=loan.pk).update(days_past_due=dpd, delinquency_bucket=bucket_for(dpd))


def _close_day(day: dt.date | None = None) -> dict:
    return collections.collections_close_day(business_date=day or _yesterday())


# --- cases ------------------------------------------------------------------------------------
def test_a_case_opens_for_a_delinquent_loan_once_and_closes_when_cured(collector):
    # Given a loan 10 days past due and a performing one
    loan = _delinquent(days=10)
    performing = open_loan(disbursed_on=clock.today() - dt.timedelta(days=5), fees=[])
    # When collections run for the date twice
    first = _close_day()
    second = _close_day()
    # Then one case is open, in the loan's bucket, with what is past due
    case = CollectionCase.objects.get()
    assert first["cases_opened"] == 1
    assert second.get("cases_opened", 0) == 0
    assert case.loan == loan
    assert case.status == CaseStatus.OPEN
    assert (case.bucket, case.days_past_due) == (loan.delinquency_bucket, loan.days_past_due)
    assert case.bucket == "1-30"
    installment = loan.installments.get(number=1)
    assert case.amount_overdue == installment.payment + loan.penalty_due
    assert not CollectionCase.objects.filter(loan=performing).exists()
    assert list(case.events.values_list("reason", flat=True)) == ["opened"]
    # When the customer pays what is past due and collections run again
    loan.refresh_from_db()
    repayments.repayment_post(loan=loan, amount=loan.total_due + installment.principal, actor=collector)
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    counts = _close_day()
    # Then the case is closed as cured (an event), and closing it again changes nothing
    case.refresh_from_db()
    assert counts["cases_closed"] == 1
    assert case.status == CaseStatus.CLOSED
    assert case.closed_on == clock.today()
    assert case.events.last().reason == "cured"
    assert _close_day().get("cases_closed", 0) == 0


def test_close_of_business_runs_collections_after_each_date(
    settings, dunning, django_capture_on_commit_callbacks
):
    # Given collections after close of business (off elsewhere in the suite) and a loan 10 days
    # past due; when today is closed, then its case is open and its dunning step sent
    from servicing import cob

    settings.LOANHUB_COLLECTIONS_AFTER_COB = True
    loan = _delinquent(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        cob.close_through(clock.today(), start=clock.today())
    loan.refresh_from_db()
    case = CollectionCase.objects.get()
    assert (case.loan_id, case.days_past_due) == (loan.pk, loan.days_past_due)
    assert case.updated_for == clock.today()
    assert list(DunningNotice.objects.values_list("loan_id", "step__code")) == [(loan.pk, "overdue-7")]


def test_a_case_follows_the_bucket_into_its_queue(collector):
    loan = _delinquent(days=10)
    queue = CollectionQueue.objects.create(bucket="31-60")
    queue.collectors.add(collector)
    _close_day()
    case = CollectionCase.objects.get()
    assert case.assigned_to is None  # no queue for 1-30
    _set_dpd(loan, 31)
    counts = _close_day()
    case.refresh_from_db()
    assert counts["cases_moved"] == 1
    assert (case.bucket, case.days_past_due, case.assigned_to) == ("31-60", 31, collector)
    assert case.events.last().payload == {"from": "1-30", "to": "31-60"}


@pytest.mark.parametrize(
    ("dpd", "status", "proposed"),
    [
        (89, CaseStatus.OPEN, False),
        (90, CaseStatus.LEGAL, False),
        (180, CaseStatus.WRITE_OFF_PROPOSED, True),
    ],
)
def test_escalation_to_legal_and_write_off_proposal_at_the_configured_days(settings, dpd, status, proposed):
    settings.LOANHUB_COLLECTIONS_LEGAL_DPD = 90
    settings.LOANHUB_COLLECTIONS_WRITE_OFF_DPD = 180
    loan = _delinquent(days=10)
    _close_day()
    _set_dpd(loan, dpd)
    _close_day()
    _close_day()  # twice: no second event
    case = CollectionCase.objects.get()
    assert (case.status, case.write_off_proposed) == (status, proposed)
    escalations = list(
        case.events.exclude(from_state=CaseStatus.OPEN, to_state=CaseStatus.OPEN).exclude(from_state="")
    )
    assert [e.to_state for e in escalations] == ([] if status == CaseStatus.OPEN else [status])
    if escalations:
        assert escalations[0].actor is None
        assert escalations[0].reason == f"{dpd} days past due"


def test_escalation_steps_through_legal_and_a_configurable_threshold(settings):
    settings.LOANHUB_COLLECTIONS_LEGAL_DPD = 5
    settings.LOANHUB_COLLECTIONS_WRITE_OFF_DPD = 8
    _delinquent(days=10)
    counts = _close_day()
    case = CollectionCase.objects.get()
    assert counts["cases_write_off_proposed"] == 1
    assert case.status == CaseStatus.WRITE_OFF_PROPOSED
    assert case.write_off_proposed


# --- promises to pay --------------------------------------------------------------------------
def test_a_promise_to_pay_is_kept_when_the_payments_since_reach_it(collector):
    loan = _delinquent(days=10)
    _close_day()
    case = CollectionCase.objects.get()
    promise = collections.case_promise_record(
        case=case, amount=D("1000.00"), promised_date=clock.today() + dt.timedelta(days=3), actor=collector
    )
    # A first payment short of the amount keeps it pending
    repayments.repayment_post(loan=loan, amount=D("600.00"), actor=collector)
    _close_day(clock.today())
    promise.refresh_from_db()
    assert (promise.status, promise.paid) == (PromiseStatus.PENDING, D("600.00"))
    # The second one reaches it: kept, before its date
    repayments.repayment_post(loan=loan, amount=D("400.00"), actor=collector)
    counts = _close_day(clock.today())
    promise.refresh_from_db()
    assert counts["promises_kept"] == 1
    assert (promise.status, promise.paid, promise.resolved_on) == (
        PromiseStatus.KEPT,
        D("1000.00"),
        clock.today(),
    )
    assert case.events.filter(reason="promise kept").count() == 1


def test_a_promise_to_pay_is_broken_the_day_after_its_date(collector):
    loan = _delinquent(days=10)
    _close_day()
    case = CollectionCase.objects.get()
    due = clock.today() + dt.timedelta(days=2)
    promise = collections.case_promise_record(
        case=case, amount=D("1000.00"), promised_date=due, actor=collector
    )
    repayments.repayment_post(loan=loan, amount=D("999.99"), actor=collector)
    # Before and on its date it is pending; the close of its date breaks it
    _close_day(due - ONE_DAY)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING
    counts = _close_day(due)
    promise.refresh_from_db()
    assert counts["promises_broken"] == 1
    assert (promise.status, promise.paid, promise.resolved_on) == (
        PromiseStatus.BROKEN,
        D("999.99"),
        due + ONE_DAY,
    )
    assert _close_day(due).get("promises_broken", 0) == 0
    assert case.events.filter(reason="promise broken").count() == 1


def test_promise_input_is_checked_and_one_is_pending_at_a_time(collector):
    _delinquent(days=10)
    _close_day()
    case = CollectionCase.objects.get()
    with pytest.raises(Invalid) as refused:
        collections.case_promise_record(
            case=case, amount=D("-1"), promised_date=clock.today() - ONE_DAY, actor=collector
        )
    assert set(refused.value.errors) == {"amount", "date"}
    collections.case_promise_record(
        case=case, amount=D("10.00"), promised_date=clock.today(), actor=collector
    )
    with pytest.raises(Conflict):
        collections.case_promise_record(
            case=case, amount=D("10.00"), promised_date=clock.today(), actor=collector
        )
    customer = case.loan.customer.user
    with pytest.raises(Forbidden):
        collections.case_promise_record(
            case=case, amount=D("10.00"), promised_date=clock.today(), actor=customer
        )
    assert PromiseToPay.objects.count() == 1


# --- dunning ----------------------------------------------------------------------------------
def test_dunning_sends_each_step_once_per_loan(dunning):
    loan = _delinquent(days=8)  # past the day-7 step, before the day-30 one
    assert loan.days_past_due == 8
    first = _close_day()
    second = _close_day()
    assert first["dunning_sent"] == 1
    assert second["dunning_sent"] == 0
    notice = DunningNotice.objects.get()
    assert notice.step.code == "overdue-7"
    message = Message.objects.get(pk=notice.message_id)
    assert message.user == loan.customer.user
    assert message.channel == "portal"
    assert loan.number in message.body
    assert "8" in message.body
    # Day 30 is the next step: sent once too
    _set_dpd(loan, 30)
    assert _close_day()["dunning_sent"] == 1
    assert _close_day()["dunning_sent"] == 0
    assert list(DunningNotice.objects.order_by("pk").values_list("step__code", flat=True)) == [
        "overdue-7",
        "overdue-30",
    ]
    sms = Message.objects.get(dedupe_key__contains="overdue-30")
    assert (sms.channel, sms.address, sms.optional) == ("sms", loan.customer.phone, True)


def test_the_admin_queue_filters_by_bucket_and_my_cases(client, collector):
    # Given two cases in different buckets, one of them the collector's
    mine, other = _delinquent(days=10), _delinquent(days=40)
    _close_day()
    case = CollectionCase.objects.get(loan=mine)
    collections.case_assign(case=case, collector_id=collector.pk, actor=collector)
    client.force_login(collector)
    url = reverse("admin:servicing_collectioncase_changelist")
    # When the collector opens the queue of 1-30 and "my cases"; then only that case is listed
    for query in ({"bucket": "1-30"}, {"mine": "1"}):
        page = client.get(url, query)
        assert page.status_code == 200
        assert list(page.context["cl"].result_list) == [case]
    assert other.collection_cases.get().bucket == "31-60"
    # And "assign to me" takes the other case
    response = client.post(
        url, {"action": "assign_to_me", "_selected_action": [other.collection_cases.get().pk]}
    )
    assert response.status_code == 302
    assert other.collection_cases.get().assigned_to == collector
    # The case's page: its promise, its contact (the collector's own case: the note as written)
    collections.case_contact_record(
        case=case, channel="phone", outcome="reached", note="13812345678 answered", actor=collector
    )
    page = client.get(reverse("admin:servicing_collectioncase_change", args=[case.pk]))
    assert page.status_code == 200
    assert "13812345678 answered" in page.content.decode()
    collections.case_assign(case=case, collector_id=None, actor=collector)
    page = client.get(reverse("admin:servicing_collectioncase_change", args=[case.pk]))
    assert "138****5678 answered" in page.content.decode()


def test_a_reminder_before_the_due_date(dunning):
    # A loan whose first installment falls due in two days: the three-day reminder, once
    disbursed_on = clock.today() + dt.timedelta(days=2) - relativedelta(months=1)
    loan = repayments.loan_refresh(open_loan(disbursed_on=disbursed_on, fees=[]))
    assert loan.next_due_date == clock.today() + dt.timedelta(days=2)
    assert _close_day()["dunning_sent"] == 1
    assert _close_day()["dunning_sent"] == 0
    notice = DunningNotice.objects.get()
    assert (notice.step.code, notice.anchor) == ("reminder-3", loan.next_due_date)


# --- the API ----------------------------------------------------------------------------------
@pytest.fixture
def case(collector):
    _delinquent(days=10, customer=CustomerFactory(phone="13812345678"))
    _close_day()
    return CollectionCase.objects.get()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_cases_by_bucket_and_mine(case, collector):
    other = UserFactory(username="collector2", role=roles.LOAN_OFFICER)
    client = _client(collector)
    url = reverse("collections-api:cases")
    assert [row["id"] for row in client.get(url, {"bucket": "1-30"}).json()["results"]] == [case.pk]
    assert client.get(url, {"bucket": "31-60"}).json()["results"] == []
    assert client.get(url, {"mine": "true"}).json()["results"] == []
    assert client.get(url, {"bucket": "nope"}).status_code == 400
    response = client.post(
        reverse("collections-api:assign", args=[case.pk]), {"collector": other.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["assigned_to"] == other.pk
    assert [row["id"] for row in _client(other).get(url, {"mine": "true"}).json()["results"]] == [case.pk]


def test_api_records_promises_and_contacts_with_personal_data_masked_for_non_owners(case, collector):
    client = _client(collector)
    case_url = reverse("collections-api:case", args=[case.pk])
    bad = client.post(reverse("collections-api:promises", args=[case.pk]), {"amount": "x"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"amount", "date"}
    promise = client.post(
        reverse("collections-api:promises", args=[case.pk]),
        {"amount": "500.00", "date": clock.today().isoformat()},
        format="json",
    )
    assert promise.status_code == 201
    assert promise.json()["status"] == "pending"
    note = "客户说 13812345678 明天还"
    contact = client.post(
        reverse("collections-api:contacts", args=[case.pk]),
        {"channel": "phone", "outcome": "promised", "note": note},
        format="json",
    )
    assert contact.status_code == 201
    # Not the case's collector (it is unassigned): masked
    body = client.get(case_url).json()
    assert body["contacts"][0]["note"] == "客户说 138****5678 明天还"
    assert body["customer_phone"] == "138****5678"
    assert body["promises"][0]["amount"] == "500.00"
    # The collector it is assigned to reads it as written
    collections.case_assign(case=case, collector_id=collector.pk, actor=collector)
    body = client.get(case_url).json()
    assert body["contacts"][0]["note"] == note
    assert body["customer_phone"] == "13812345678"
    # An auditor reads, masked, and may not write
    auditor = UserFactory(username="auditor", role=roles.AUDITOR)
    assert _client(auditor).get(case_url).json()["contacts"][0]["note"] == "客户说 138****5678 明天还"
    refused = _client(auditor).post(
        reverse("collections-api:contacts", args=[case.pk]),
        {"channel": "phone", "outcome": "reached"},
        format="json",
    )
    assert refused.status_code == 403
    assert ContactAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("owner", 403, 403),
        ("officer", 200, 400),
        ("senior", 200, 400),
        ("analyst", 200, 403),
        ("product", 403, 403),
        ("marketing", 403, 403),
        ("auditor", 200, 403),
    ],
)
def test_permission_matrix_of_the_collections_api(case, who, read, write):
    users = {
        "owner": case.loan.customer.user,
        "officer": UserFactory(username="m-officer", role=roles.LOAN_OFFICER),
        "senior": UserFactory(username="m-senior", role=roles.SENIOR_APPROVER),
        "analyst": UserFactory(username="m-analyst", role=roles.RISK_ANALYST),
        "product": UserFactory(username="m-product", role=roles.PRODUCT_MANAGER),
        "marketing": UserFactory(username="m-marketing", role=roles.MARKETING_MANAGER),
        "auditor": UserFactory(username="m-auditor", role=roles.AUDITOR),
    }
    client = _client(users[who])
    assert client.get(reverse("collections-api:cases")).status_code == read
    assert client.get(reverse("collections-api:case", args=[case.pk])).status_code == read
    for name in ("promises", "contacts", "assign"):
        assert (
            client.post(reverse(f"collections-api:{name}", args=[case.pk]), {}, format="json").status_code
            == write
        )
    assert not PromiseToPay.objects.exists()
    assert not ContactAttempt.objects.exists()
    assert APIClient().get(reverse("collections-api:cases")).status_code == 401


def test_a_closed_case_refuses_every_transition_and_action_and_changes_nothing(case, collector):
    from loanhub.transitions import run_transition

    CollectionCase.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    for name in ("escalate_to_legal", "propose_write_off", "close"):
        with pytest.raises(Conflict):
            run_transition(case.pk, name, model=CollectionCase, actor=None)
    with pytest.raises(Conflict):
        collections.case_assign(case=case, collector_id=collector.pk, actor=collector)
    with pytest.raises(Conflict):
        collections.case_contact_record(
            case=case, channel="phone", outcome="reached", note="", actor=collector
        )
    case.refresh_from_db()
    assert (case.status, case.assigned_to, case.events.count()) == (CaseStatus.CLOSED, None, 1)
    assert not ContactAttempt.objects.exists()


def test_only_an_active_collector_may_be_assigned(case, collector):
    auditor = UserFactory(username="auditor2", role=roles.AUDITOR)
    with pytest.raises(Invalid) as refused:
        collections.case_assign(case=case, collector_id=auditor.pk, actor=collector)
    assert set(refused.value.errors) == {"collector"}
    with pytest.raises(Forbidden):
        collections.case_assign(case=case, collector_id=auditor.pk, actor=auditor)
    case.refresh_from_db()
    assert case.assigned_to is None


def test_a_queue_offers_only_collectors(client, collector):
    UserFactory(username="analyst3", role=roles.RISK_ANALYST)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:servicing_collectionqueue_add"))
    assert page.status_code == 200
    offered = list(page.context["adminform"].form.fields["collectors"].queryset)
    assert offered == [collector]


def test_a_pending_promise_holds_the_past_due_messages_until_it_is_broken(dunning, collector):
    loan = _delinquent(days=8)
    _close_day()
    DunningNotice.objects.all().delete()  # as if the day-7 step were still to send
    case = CollectionCase.objects.get()
    collections.case_promise_record(
        case=case, amount=D("50.00"), promised_date=clock.today(), actor=collector
    )
    assert _close_day()["dunning_sent"] == 0
    # The close of the promised date breaks it: the step goes out
    counts = _close_day(clock.today())
    assert (counts["promises_broken"], counts["dunning_sent"]) == (1, 1)
    assert DunningNotice.objects.get().loan == loan


def test_the_command_runs_a_date_and_refuses_before_any_close():
    from django.core.management import CommandError, call_command

    _delinquent(days=10)
    with pytest.raises(CommandError):
        call_command("run_collections")
    out = StringIO()
    call_command("run_collections", "--date", _yesterday().isoformat(), stdout=out)
    assert "cases_opened 1" in out.getvalue()
    assert CollectionCase.objects.count() == 1
