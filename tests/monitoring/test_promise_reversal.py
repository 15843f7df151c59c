"""A kept promise to pay is undone when the payment that kept it is reversed (issue 15,
collections): back to pending while its date is still open, broken once its date has closed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from loanhub import clock, roles
from servicing import collections, repayments
from servicing.models import CollectionCase
from servicing.models.collections import PromiseStatus
from tests.customers.factories import UserFactory
from tests.servicing.test_collections import _close_day, _delinquent

pytestmark = pytest.mark.django_db
D = Decimal
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture
def collector():
    return UserFactory(username="collector", role=roles.LOAN_OFFICER)


def _kept_promise(collector, *, days_ahead: int):
    loan = _delinquent(days=10)
    _close_day()
    case = CollectionCase.objects.get()
    promise = collections.case_promise_record(
        case=case,
        amount=D("1000.00"),
        promised_date=clock.today() + dt.timedelta(days=days_ahead),
        actor=collector,
    )
    payment = repayments.repayment_post(loan=loan, amount=D("1000.00"), actor=collector)
    _close_day(clock.today())
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    return loan, case, promise, payment


def test_reversing_the_payment_that_kept_a_promise_reopens_it_before_its_date(collector):
    loan, case, promise, payment = _kept_promise(collector, days_ahead=3)
    repayments.repayment_reverse(repayment=payment, reason="bounced", actor=collector)
    promise.refresh_from_db()
    assert (promise.status, promise.paid, promise.resolved_on) == (PromiseStatus.PENDING, D("0.00"), None)
    assert case.events.filter(reason="promise pending: payment reversed").count() == 1
    # A new payment keeps it again at the next close; a second close changes nothing more.
    repayments.repayment_post(loan=loan, amount=D("1000.00"), actor=collector)
    assert _close_day(clock.today())["promises_kept"] == 1
    assert _close_day(clock.today()).get("promises_kept", 0) == 0


def test_reversing_it_after_the_promised_date_closed_breaks_the_promise(collector):
    loan, case, promise, payment = _kept_promise(collector, days_ahead=1)
    later = clock.today() + dt.timedelta(days=5)
    with time_machine.travel(dt.datetime.combine(later, dt.time(10)), tick=False):
        repayments.repayment_reverse(repayment=payment, reason="bounced", actor=collector)
    promise.refresh_from_db()
    assert (promise.status, promise.paid, promise.resolved_on) == (PromiseStatus.BROKEN, D("0.00"), later)
    assert case.events.filter(reason="promise broken: payment reversed").count() == 1


def test_a_reversed_payment_the_promise_did_not_need_leaves_it_kept(collector):
    loan, case, promise, payment = _kept_promise(collector, days_ahead=3)
    extra = repayments.repayment_post(loan=loan, amount=D("50.00"), actor=collector)
    collections.promises_evaluate(business_date=clock.today())  # nothing pending: no change
    repayments.repayment_reverse(repayment=extra, reason="duplicate", actor=collector)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    assert not case.events.filter(reason__contains="payment reversed").exists()
