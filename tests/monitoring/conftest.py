"""Fixtures of the monitoring tests: loans whose daily snapshots are written by hand, so every
metric can be checked against figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock
from servicing.models import Loan, LoanSnapshot
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

CLASS_OF = {"current": "pass", "1-30": "special_mention", "31-60": "special_mention", "61-90": "substandard"}
DPD_OF = {"current": 0, "1-30": 10, "31-60": 40, "61-90": 70, "91-180": 100, "180+": 200}


@pytest.fixture(autouse=True)
def _monitoring_after_close(settings):
    settings.LOANHUB_MONITORING_AFTER_COB = True


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def month_start(months_ago: int) -> dt.date:
    return clock.today().replace(day=1) - relativedelta(months=months_ago)


def month_end(months_ago: int) -> dt.date:
    return month_start(months_ago - 1) - dt.timedelta(days=1)


def snap(
    loan: Loan,
    day: dt.date,
    bucket: str = "current",
    *,
    principal="1000.00",
    overdue="0.00",
    provision="10.00",
    klass: str | None = None,
    dpd: int | None = None,
) -> LoanSnapshot:
    return LoanSnapshot.objects.create(
        business_date=day,
        loan=loan,
        days_past_due=DPD_OF[bucket] if dpd is None else dpd,
        delinquency_bucket=bucket,
        classification=klass or CLASS_OF.get(bucket, "doubtful"),
        ifrs9_stage=1,
        principal_outstanding=Decimal(principal),
        overdue_amount=Decimal(overdue),
        provision=Decimal(provision),
    )


@pytest.fixture
def version():
    return active_version()


@pytest.fixture
def make_loan(version):
    """A disbursed loan, its disbursement date moved to `start` (default a year ago)."""

    def make(start: dt.date | None = None, *, region: str = "", customer_type: str | None = None) -> Loan:
        customer = CustomerFactory(
            region=region, **({"customer_type": customer_type} if customer_type else {})
        )
        loan = open_loan(ApplicationFactory(customer=customer, product_version=version))
        start = start or clock.today() - relativedelta(years=1)
        Loan.objects.filter(pk=loan.pk).update(start_date=start)
        loan.refresh_from_db()
        return loan

    return make
