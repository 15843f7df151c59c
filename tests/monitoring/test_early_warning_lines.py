"""Early warnings for customers who hold only a credit line (issue 15): the line's utilisation
spike, its overdue minimum (1–29 days) and the customer's flagged region open a warning on the
line itself; a customer with a loan keeps the spike on the loan's warning; contacting the line's
warning tells its customer once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import clock, roles
from monitoring import early_warning
from monitoring.models import EarlyWarning, EarlyWarningEvent, FlaggedSegment
from notifications.event_templates import ensure_event_templates
from notifications.models import Message
from servicing.models import CreditLine, CreditLineTransaction
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def today() -> dt.date:
    return clock.today()


def _spiking_line(today: dt.date, *, customer=None, number="C00000001") -> CreditLine:
    """10 % of the 50,000 limit used a month ago, 90 % now (40,000 drawn three days ago)."""
    line = open_line(customer=customer, opened_on=today - dt.timedelta(days=90), number=number)
    CreditLine.objects.filter(pk=line.pk).update(principal=D("45000.00"))
    CreditLineTransaction.objects.create(
        credit_line=line,
        kind="draw",
        amount=D("40000.00"),
        value_date=today - dt.timedelta(days=3),
        channel="portal",
    )
    return line


def test_a_line_only_customer_gets_a_warning_on_the_line(today):
    customer = CustomerFactory(region="Wenzhou")
    line = _spiking_line(today, customer=customer)
    # The minimum of the last statement is 6 days late: 0.50 + 0.40 + 0.30 (flagged) = 1.20 ≥ 1.00.
    CreditLine.objects.filter(pk=line.pk).update(
        minimum_due=D("1500.00"), due_date=today - dt.timedelta(days=6), days_past_due=6
    )
    FlaggedSegment.objects.create(kind="region", value="Wenzhou", flagged_on=today)

    found = dict(early_warning.line_signals_on(today)[line.pk])
    assert found == {
        "utilisation_spike": "10% → 90%",
        "repayment_drift": f"1500.00 due {today - dt.timedelta(days=6)}: +6d",
        "flagged_segment": "Wenzhou",
    }
    assert early_warning.early_warnings_build(as_of=today) == {"opened": 1, "updated": 0}
    assert early_warning.early_warnings_build(as_of=today) == {"opened": 0, "updated": 0}  # run twice
    warning = EarlyWarning.objects.get()
    assert (warning.loan_id, warning.credit_line_id, warning.loan_number) == (None, line.pk, line.number)
    assert warning.score == D("1.20")
    assert EarlyWarningEvent.objects.filter(warning=warning, reason="raised").count() == 1

    auditor = UserFactory(username="ews-auditor", role=roles.AUDITOR)
    client = APIClient()
    client.force_authenticate(auditor)
    row = client.get("/api/v1/monitoring/early-warnings/").json()[0]
    assert (row["loan"], row["credit_line"], row["loan_number"]) == (None, line.pk, line.number)


def test_a_minimum_30_days_late_belongs_to_collections(today):
    line = open_line(opened_on=today - dt.timedelta(days=90))
    CreditLine.objects.filter(pk=line.pk).update(minimum_due=D("800.00"), due_date=today, days_past_due=30)
    assert line.pk not in early_warning.line_signals_on(today)


def test_a_customer_with_a_loan_keeps_the_spike_on_the_loans_warning(make_loan, today):
    loan = make_loan()
    snap(loan, today)
    line = _spiking_line(today, customer=loan.customer)
    assert line.pk not in early_warning.line_signals_on(today)
    assert dict(early_warning.signals_on(today)[loan.pk])["utilisation_spike"] == "10% → 90%"


def test_contacting_a_line_warning_tells_its_customer_once(today, django_capture_on_commit_callbacks):
    ensure_event_templates()
    line = _spiking_line(today)
    warning = EarlyWarning.objects.create(
        credit_line_id=line.pk, loan_number=line.number, raised_on=today, last_seen_on=today, score=D("1.2")
    )
    officer = UserFactory(username="ews-officer", role=roles.LOAN_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        early_warning.early_warning_transition(warning_id=warning.pk, action="acknowledge", actor=officer)
        early_warning.early_warning_transition(warning_id=warning.pk, action="contact", actor=officer)
        early_warning.early_warning_transition(warning_id=warning.pk, action="contact", actor=officer)
    messages = Message.objects.filter(user=line.customer.user, dedupe_key__startswith="warning-contact:")
    assert sorted(messages.values_list("channel", flat=True)) == ["portal", "sms"]
    assert line.number in messages.get(channel="portal").body
