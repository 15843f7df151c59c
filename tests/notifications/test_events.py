"""Notifications sent once per event (issue 15): each trigger run twice, and a delivery task run
twice, leaves one message per channel; the customer's channel preferences and quiet hours hold;
a decline never names its reasons."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core import mail

from applications import notices as application_notices
from applications.models import State
from applications.services.decisions import application_apply_decision
from loanhub import clock, roles
from monitoring import early_warning
from monitoring.models import EarlyWarning
from notifications import services, tasks
from notifications.event_templates import ensure_event_templates
from notifications.models import Message, MessageState, MessageTemplate
from risk import services as risk_services
from servicing import collections, repayments
from servicing import notices as servicing_notices
from servicing.dunning_defaults import ensure_dunning_defaults
from servicing.models import DunningStep, Loan
from servicing.rules import bucket_for
from tests.applications.conftest import GOOD_ID, draft, in_state, make_customer
from tests.customers.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = Decimal
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def templates(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ""
    ensure_event_templates()
    ensure_dunning_defaults(DunningStep, MessageTemplate)


def _of(customer, prefix: str = ""):
    return Message.objects.filter(user=customer.user, dedupe_key__startswith=prefix)


def _loan(*, customer=None, due_in_days: int = 5):
    """A monthly loan whose first installment falls due in `due_in_days` days (negative: past)."""
    customer = customer or CustomerFactory()
    disbursed_on = clock.today() + dt.timedelta(days=due_in_days) - relativedelta(months=1)
    loan = open_loan(ApplicationFactory(customer=customer), fees=[], disbursed_on=disbursed_on)
    return repayments.loan_refresh(loan)


# --- application decided ------------------------------------------------------------------------
def test_an_approval_is_told_once_on_each_channel(
    risk_ready, product, submit, django_capture_on_commit_callbacks
):
    customer = make_customer("ann", id_number=GOOD_ID, email="ann@example.com")
    application = submit(draft(customer, product))
    assert application.state == State.APPROVED
    # The trigger again (risk's hook delivered twice; the notice asked again): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        application_apply_decision(request=application.scoring_request, decision=application.decision)
        application_notices.application_decided(application)
    messages = _of(customer, "application-decided:")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "portal", "sms"]
    portal = messages.get(channel="portal")
    assert portal.state == MessageState.SENT
    assert str(application) in portal.body
    assert len(mail.outbox) == 1


def test_a_decline_is_told_once_without_its_reasons(
    risk_ready, product, submit, django_capture_on_commit_callbacks
):
    customer = make_customer("dan", id_number=GOOD_ID)
    risk_services.blocklist_add(identifier="id_number", value=customer.id_number, reason="fraud ring")
    application = submit(draft(customer, product))
    assert application.state == State.DECLINED
    with django_capture_on_commit_callbacks(execute=True):
        application_notices.application_decided(application)
    messages = _of(customer, "application-decided:")
    assert sorted(messages.values_list("channel", flat=True)) == ["portal", "sms"]  # no e-mail address
    reasons = {r.get("code", "") for r in application.decision.reasons} - {""}
    for message in messages:
        text = f"{message.subject} {message.body}".lower()
        assert "fraud" not in text
        assert "blocklist" not in text
        assert "欺诈" not in text
        assert not any(code.lower() in text for code in reasons)


def test_a_referral_is_told_once(risk_ready, product, submit, django_capture_on_commit_callbacks):
    customer = make_customer("ref")  # no bureau file: referred
    application = submit(draft(customer, product))
    assert application.state == State.REFERRED
    with django_capture_on_commit_callbacks(execute=True):
        application_notices.application_decided(application)
    assert _of(customer, "application-decided:").filter(channel="portal").count() == 1


# --- offer about to expire ----------------------------------------------------------------------
def test_an_offer_about_to_expire_is_told_once(product, django_capture_on_commit_callbacks, settings):
    settings.LOANHUB_OFFER_EXPIRY_NOTICE_DAYS = 3
    now = clock.now()
    soon = in_state(State.APPROVED, make_customer("soon"), product, offer_expires_at=now + 2 * ONE_DAY)
    later = in_state(State.APPROVED, make_customer("later"), product, offer_expires_at=now + 9 * ONE_DAY)
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            application_notices.offers_notify_expiring(now=now)
    assert _of(soon.customer, "offer-expiring:").count() == 2  # portal and SMS
    assert not _of(later.customer, "offer-expiring:").exists()


def test_an_offer_taken_before_the_commit_is_not_told(product, django_capture_on_commit_callbacks):
    now = clock.now()
    application = in_state(State.APPROVED, make_customer("gone"), product, offer_expires_at=now + ONE_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        application_notices.offers_notify_expiring(now=now)
        type(application).objects.filter(pk=application.pk).update(state=State.OFFER_ACCEPTED)
    assert not _of(application.customer, "offer-expiring:").exists()


# --- payment received ---------------------------------------------------------------------------
def test_a_payment_received_is_told_once_and_a_delivery_twice_sends_one_sms(
    django_capture_on_commit_callbacks, sms_outbox
):
    loan = _loan()
    with django_capture_on_commit_callbacks(execute=True):
        payment = repayments.repayment_post(loan=loan, amount=D("500.00"), actor=loan.customer.user)
    with django_capture_on_commit_callbacks(execute=True):
        servicing_notices.repayment_received(payment, customer_id=loan.customer_id, loan_number=loan.number)
    messages = _of(loan.customer, "payment-received:")
    assert sorted(messages.values_list("channel", flat=True)) == ["portal", "sms"]
    sms = messages.get(channel="sms")
    assert tasks.deliver.run(sms.pk) == MessageState.SENT  # the task delivered again
    assert len([m for m in sms_outbox if m["to"] == loan.customer.phone]) == 1
    assert loan.number in sms.body
    assert "500.00" in sms.body


def test_a_payment_reversed_before_the_notice_goes_out_is_not_told(django_capture_on_commit_callbacks):
    loan = _loan()
    officer = UserFactory(username="teller", role=roles.LOAN_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        payment = repayments.repayment_post(loan=loan, amount=D("500.00"), actor=officer)
        repayments.repayment_reverse(repayment=payment, reason="bounced", actor=officer)
    assert not _of(loan.customer, "payment-received:").exists()


def test_a_credit_line_repayment_is_told_once_per_repayment_in_both_languages(
    django_capture_on_commit_callbacks, sms_outbox
):
    from servicing import lines
    from tests.servicing.lines_helpers import on, open_line, opening_day

    opened = opening_day()
    line = open_line(opened_on=opened)
    owner = line.customer.user
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("10000.00"), actor=owner)
        with django_capture_on_commit_callbacks(execute=True):
            first = lines.credit_line_repay(line=line, amount=D("300.00"), actor=owner)
        with django_capture_on_commit_callbacks(execute=True):
            lines.credit_line_repay(line=line, amount=D("200.00"), actor=owner)
        with django_capture_on_commit_callbacks(execute=True):  # the same repayment told again
            servicing_notices.line_repayment_received(
                first, customer_id=line.customer_id, line_number=line.number
            )
    messages = _of(line.customer, "line-payment-received:")
    # one portal message and one SMS per repayment, none for the draw nor for the repeat
    assert sorted(messages.values_list("channel", flat=True)) == ["portal", "portal", "sms", "sms"]
    told = messages.get(channel="portal", dedupe_key=f"line-payment-received:{first.pk}:portal")
    assert line.number in told.body
    assert "300.00" in told.body
    template = MessageTemplate.objects.get(key="line-payment-received")
    assert "信用额度" in template.body_zh
    assert "credit line" in template.body_en


def test_a_credit_line_repayment_rolled_back_is_not_told(django_capture_on_commit_callbacks):
    from django.db import transaction

    from servicing import lines
    from tests.servicing.lines_helpers import on, open_line, opening_day

    opened = opening_day()
    line = open_line(opened_on=opened)
    owner = line.customer.user
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("10000.00"), actor=owner)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            lines.credit_line_repay(line=line, amount=D("300.00"), actor=owner)
            transaction.set_rollback(True)  # the payment file was rejected
    assert not _of(line.customer, "line-payment-received:").exists()


# --- payment due in 3 days and overdue (day 1): dunning's steps, one message each -------------
def test_payment_due_is_one_reminder_per_installment_over_the_three_days(django_capture_on_commit_callbacks):
    loan = _loan()
    due = loan.next_due_date
    with django_capture_on_commit_callbacks(execute=True):
        for days_before in (3, 2, 1):  # the closes of the three days before the due date
            business_date = due - dt.timedelta(days=days_before) - ONE_DAY
            collections.collections_close_day(business_date=business_date)
            collections.collections_close_day(business_date=business_date)  # a close run twice
    reminders = Message.objects.filter(user=loan.customer.user)
    assert reminders.count() == 1
    assert reminders.get().dedupe_key == f"dunning:{loan.pk}:reminder-3:{due.isoformat()}"


def test_overdue_on_day_one_is_one_sms(django_capture_on_commit_callbacks):
    loan = _loan(due_in_days=-10)
    Loan.objects.filter(pk=loan.pk).update(days_past_due=1, delinquency_bucket=bucket_for(1))
    with django_capture_on_commit_callbacks(execute=True):
        for _run in range(2):
            collections.collections_close_day(business_date=clock.today() - ONE_DAY)
    messages = Message.objects.filter(user=loan.customer.user, dedupe_key__contains=":overdue-1:")
    assert list(messages.values_list("channel", flat=True)) == ["sms"]


# --- warning contact ----------------------------------------------------------------------------
def test_a_warning_contact_is_told_once(django_capture_on_commit_callbacks):
    loan = _loan()
    officer = UserFactory(username="watcher", role=roles.LOAN_OFFICER)
    warning = EarlyWarning.objects.create(
        loan_id=loan.pk,
        loan_number=loan.number,
        raised_on=clock.today(),
        last_seen_on=clock.today(),
        score=D("5"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        early_warning.early_warning_transition(warning_id=warning.pk, action="acknowledge", actor=officer)
        for _again in range(2):  # contacted, then contacted again
            early_warning.early_warning_transition(warning_id=warning.pk, action="contact", actor=officer)
    messages = _of(loan.customer, "warning-contact:")
    assert sorted(messages.values_list("channel", flat=True)) == ["portal", "sms"]
    assert all("warning" not in m.body.lower() and "预警" not in m.body for m in messages)


# --- preferences and quiet hours ----------------------------------------------------------------
def test_the_customers_channel_preference_and_quiet_hours_hold(django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = "21:00-08:00"
    night, no_sms = _loan(), _loan()
    services.preference_set(user=no_sms.customer.user, sms=False)
    late = dt.datetime.combine(clock.today(), dt.time(23), tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False), django_capture_on_commit_callbacks(execute=True):
        for loan in (night, no_sms):
            repayments.repayment_post(loan=loan, amount=D("100.00"), actor=loan.customer.user)
    states = {
        loan.customer.pk: dict(_of(loan.customer, "payment-received:").values_list("channel", "state"))
        for loan in (night, no_sms)
    }
    # The inbox at once; the SMS waits for 08:00, or is not sent to one who turned SMS off.
    assert states[night.customer.pk] == {"portal": MessageState.SENT, "sms": MessageState.HELD}
    assert states[no_sms.customer.pk] == {"portal": MessageState.SENT, "sms": MessageState.SUPPRESSED}
