"""A loan's classification history read from its snapshots without an index on the loan alone
(migration 0021): the (date, loan) index, one date of the loan's life at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock
from servicing import repayments, selectors
from servicing.models import LoanSnapshot
from tests.servicing.factories import ApplicationFactory, open_loan

pytestmark = pytest.mark.django_db


def _snap(loan, day, klass, dpd):
    LoanSnapshot.objects.create(
        business_date=day,
        loan=loan,
        days_past_due=dpd,
        delinquency_bucket="current" if dpd == 0 else "1-30",
        classification=klass,
        ifrs9_stage=1 if dpd == 0 else 2,
    )


def test_history_spans_every_snapshot_of_the_loan_from_disbursement_and_no_other_loans():
    start = clock.today() - relativedelta(months=2)
    loan = repayments.loan_refresh(open_loan(ApplicationFactory(), disbursed_on=start, fees=[]))
    other = repayments.loan_refresh(open_loan(ApplicationFactory(), disbursed_on=start, fees=[]))
    day = loan.start_date
    _snap(loan, day, "pass", 0)  # the first date of its life
    _snap(loan, day + dt.timedelta(days=1), "pass", 0)
    _snap(loan, day + dt.timedelta(days=40), "special_mention", 3)
    _snap(loan, day + dt.timedelta(days=41), "special_mention", 4)
    _snap(other, day + dt.timedelta(days=20), "loss", 400)
    _snap(other, day + dt.timedelta(days=50), "loss", 430)  # the last snapshot of the book
    spans = selectors.loan_classification_history(loan=loan)
    assert [(s["first"], s["last"], s["classification"], s["min_dpd"], s["max_dpd"]) for s in spans] == [
        (day, day + dt.timedelta(days=1), "pass", 0, 0),
        (day + dt.timedelta(days=40), day + dt.timedelta(days=41), "special_mention", 3, 4),
    ]


def test_no_history_before_any_snapshot():
    loan = repayments.loan_refresh(open_loan(ApplicationFactory(), disbursed_on=clock.today(), fees=[]))
    assert selectors.loan_classification_history(loan=loan) == []
