"""On real workers (PostgreSQL, Redis, `celery worker -Q monitoring`): each date close of business
finishes on the worker is then monitored there, once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from monitoring import selectors
from monitoring.models import PortfolioDay
from servicing.models import LoanSnapshot
from tests.loanhub.test_worker_integration import _wait_for
from tests.servicing.conftest import COB_LOANS, cob_book, cob_workers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]


def test_the_worker_monitors_each_date_it_closes(cob_workers, cob_book):  # noqa: F811
    start, _loans = cob_book
    through = start + dt.timedelta(days=1)
    worker = cob_workers()

    call_command(
        "close_business_day",
        "--from",
        start.isoformat(),
        "--through",
        through.isoformat(),
        stdout=io.StringIO(),
    )

    days = [start, through]
    _wait_for(
        lambda: all(selectors.portfolio_on(day) for day in days),
        60,
        "the monitoring job of each closed date",
        worker.log,
    )
    for day in days:
        assert (
            selectors.portfolio_on(day)["loans"]
            == COB_LOANS
            == LoanSnapshot.objects.filter(business_date=day).count()
        )
    log = worker.log.read_text()
    _wait_for(
        lambda: worker.log.read_text().count("monitoring.tasks.run_monitoring") >= 2 * len(days),
        30,
        "the monitoring tasks' success lines",
        worker.log,
    )
    log = worker.log.read_text()
    assert (
        len([line for line in log.splitlines() if "tasks.run_monitoring" in line and "succeeded" in line])
        == 2
    )
    assert PortfolioDay.objects.filter(business_date__in=days).count() == PortfolioDay.objects.count()
