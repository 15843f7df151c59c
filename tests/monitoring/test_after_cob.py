"""Close of business starts the monitoring job of each date it closes (servicing.hooks), after
the commit; a date closed and monitored twice writes nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from loanhub import clock
from monitoring import selectors, services
from monitoring.models import PortfolioDay
from servicing import cob, hooks
from servicing.models import LoanSnapshot

pytestmark = pytest.mark.django_db


def test_each_closed_date_is_monitored_after_its_commit(make_loan, django_capture_on_commit_callbacks):
    start = clock.today() - dt.timedelta(days=3)
    loans = [make_loan(start - dt.timedelta(days=10)) for _ in range(2)]
    assert services.cob_finished in hooks._hooks

    with django_capture_on_commit_callbacks(execute=True):
        runs = cob.close_through(start + dt.timedelta(days=1), start=start)

    assert [run.business_date for run in runs] == [start, start + dt.timedelta(days=1)]
    for day in (start, start + dt.timedelta(days=1)):
        figures = selectors.portfolio_on(day)
        snapshots = LoanSnapshot.objects.filter(business_date=day)
        assert figures["loans"] == len(loans) == snapshots.count()
        assert figures["balance"] == sum((s.principal_outstanding for s in snapshots), Decimal("0.00"))
        assert figures["reserve"] == sum((s.provision for s in snapshots), Decimal("0.00"))
    rows = PortfolioDay.objects.count()

    call_command("run_monitoring", stdout=open("/dev/null", "w"))  # the last closed date, again

    assert PortfolioDay.objects.count() == rows
