"""Provision ratios (拨备覆盖率 = reserve ÷ non-performing loans; 贷款拨备率 = reserve ÷ loans),
as of the last closed business date, against the regulatory floors (150 % and 2.5 %)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from loanhub import clock
from servicing import cob, selectors
from servicing.choices import CobStatus
from servicing.models import CobRun, Loan

pytestmark = pytest.mark.django_db
D = Decimal


def test_ratios_are_the_reserve_over_the_bad_book_and_over_the_book():
    CobRun.objects.create(
        business_date=clock.today() - dt.timedelta(days=1),
        status=CobStatus.DONE,
        counts={"balance": "10000.00", "npl": "100.00", "provision": "150.00"},
    )
    ratios = selectors.provision_ratios()
    assert ratios["coverage_ratio"] == D("1.5000")  # exactly the floor: met
    assert ratios["coverage_ok"] is True
    assert ratios["loan_provision_ratio"] == D("0.0150")
    assert ratios["loan_provision_ok"] is False  # below 2.5 %
    with override_settings(LOANHUB_MIN_LOAN_PROVISION_RATIO=D("0.01")):
        assert selectors.provision_ratios()["loan_provision_ok"] is True


def test_after_close_of_business_the_ratios_follow_the_booked_provisions(people):
    """Two loans a month past their first due date, unpaid: special mention, 1 % general + 2 %
    specific on the principal; no bad loans, so no coverage ratio to compare."""
    loans = [people["owner_loan"], people["other_loan"]]
    start = loans[0].start_date
    first_due = loans[0].first_due_date
    cob.close_through(first_due + dt.timedelta(days=3), start=start)
    ratios = selectors.provision_ratios()
    rows = Loan.objects.filter(pk__in=[loan.pk for loan in loans])
    assert {row.classification for row in rows} == {"special_mention"}
    balance = sum(row.principal_outstanding for row in rows)
    reserve = sum((row.principal_outstanding * D("0.03")).quantize(D("0.01")) for row in rows)
    assert ratios["business_date"] == first_due + dt.timedelta(days=3)
    assert ratios["loans"] == balance
    assert ratios["reserve"] == reserve
    assert ratios["non_performing_loans"] == 0
    assert ratios["coverage_ratio"] is None
    assert ratios["loan_provision_ratio"] == (reserve / balance).quantize(D("0.0001"))
    body = APIClient()
    body.force_authenticate(people["auditor"])
    answer = body.get("/api/v1/ledger/provisions/").json()
    assert answer["reserve"] == f"{reserve:.2f}"
    assert answer["loan_provision_ok"] is True
