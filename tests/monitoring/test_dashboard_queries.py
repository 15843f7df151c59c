"""Every dashboard page and monitoring API reads a bounded number of small aggregates: a page's
queries stay under its bound and do not grow with the book (more loans, more dates, more warnings
and cases), and the monitoring pages never touch the loans' tables on page load — the guard that
keeps them within 300 ms at a million loans (benchmarks/bench_dashboards.py times them).
Not a timing: query counts and the tables read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loanhub import clock, roles
from monitoring import services
from monitoring.models import DecisionMonth, EarlyWarning, ModelStability, WarningStatus
from servicing.models import CollectionCase
from tests.monitoring.conftest import month_end, snap
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db

RISK = "/admin/monitoring/modelstability/"
# URL → the most queries one request may make (as measured when written; a page that starts
# reading per loan or per row goes over at once, and the growth check below catches it anyway).
PAGES = {
    "/admin/monitoring/portfolioday/": 14,  # 12 measured (with the cure rates and the migration)
    RISK: 32,
    f"{RISK}?export=csv&table=provisions": 26,
    f"{RISK}?export=xlsx": 26,
    f"{RISK}?product=PL": 32,
    f"{RISK}?export=csv&table=decisions": 26,
    # 18 measured: the filters' values (4), the series, the mix per dimension (5), flows, yield.
    "/admin/monitoring/portfoliomix/": 20,
    "/admin/monitoring/portfoliomix/?region=R1&channel=web": 20,
    "/admin/monitoring/portfoliomix/?export=xlsx": 20,
    "/admin/monitoring/portfoliomix/?export=csv&table=mix": 20,
    "/admin/monitoring/earlywarning/": 9,
    "/admin/monitoring/earlywarning/?status__exact=open": 9,
    "/admin/monitoring/signalweight/": 9,
    "/admin/monitoring/flaggedsegment/": 9,
    "/api/v1/monitoring/portfolio/": 6,
    "/api/v1/monitoring/portfolio/mix/": 16,  # 14 measured
    "/api/v1/monitoring/roll-rates/": 6,
    "/api/v1/monitoring/vintages/": 5,
    "/api/v1/monitoring/cure-rates/": 6,
    "/api/v1/monitoring/classification-migration/": 6,
    "/api/v1/monitoring/decisions/": 5,
    "/api/v1/monitoring/decisions/?product=PL": 5,
    "/api/v1/monitoring/psi/": 8,
    "/api/v1/monitoring/calibration/": 6,
    "/api/v1/monitoring/concentration/": 6,
    "/api/v1/monitoring/early-warnings/?limit=500": 5,
    "/api/v1/monitoring/early-warnings/performance/": 10,
}
# Lists that join the loan for its number (bounded pages, never a scan); the console's start page
# also shows servicing's panels.
READS_LOANS = {
    "/admin/servicing/collectioncase/": 9,
    "/api/v1/collections/cases/": 8,
    "/admin/": 40,
}


def _grow(make_loan, loans: int, days: list[dt.date]) -> None:
    """`loans` more loans with a snapshot on each day (one late), a warning and a case each,
    then the monitoring job of each day."""
    for n in range(loans):
        loan = make_loan(region=f"R{n % 3}")
        for day in days:
            snap(loan, day, "61-90" if n % 2 else "current", principal="1000.00", overdue="100.00")
        EarlyWarning.objects.create(
            loan_id=loan.pk,
            loan_number=loan.number,
            raised_on=days[-1],
            last_seen_on=days[-1],
            score=3,
            reasons=[{"signal": "partial_payment", "weight": "2.00", "detail": "#1"}],
            status=WarningStatus.OPEN,
        )
        CollectionCase.objects.create(
            loan=loan, bucket="61-90", days_past_due=70, opened_on=days[-1], updated_for=days[-1]
        )
    for day in days:
        services.run_monitoring(day)
        # No decision was made here: the month's decision counts as the job writes them.
        for product, outcome in (("PL", "approve"), ("PL", "decline"), ("BIZ", "refer")):
            DecisionMonth.objects.update_or_create(
                month=day.replace(day=1),
                product=product,
                outcome=outcome,
                grade="B",
                defaults={"decisions": 10, "score_sum": 6000, "through": day},
            )
        # No model decided here: the score's and a feature's stability as the job writes them.
        for target in (ModelStability.SCORE, "income"):
            ModelStability.objects.update_or_create(
                as_of=day,
                model_version=1,
                target=target,
                defaults={
                    "window_start": day - dt.timedelta(days=90),
                    "decisions": 100,
                    "psi": "0.0500",
                    "light": "green",
                    "bins": [{"bin": "all", "expected_share": "1.0000", "actual_share": "1.0000"}],
                },
            )


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def analyst_client(client):
    client.force_login(UserFactory(username="queries-analyst", role=roles.RISK_ANALYST))
    return client


@pytest.mark.parametrize("url", [*PAGES, *READS_LOANS])
def test_a_page_reads_a_bounded_number_of_aggregates(
    analyst_client, make_loan, url, django_assert_max_num_queries
):
    today = clock.today()
    _grow(make_loan, 2, [month_end(2), month_end(1)])
    analyst_client.get(url)  # warm: sessions, permissions, content types
    small = _queries(analyst_client, url)

    _grow(make_loan, 4, [month_end(3), month_end(2), month_end(1), today - dt.timedelta(days=1)])
    with django_assert_max_num_queries(PAGES.get(url) or READS_LOANS[url]):
        large = _queries(analyst_client, url)

    assert len(large) == len(small), "the page's queries grow with the book"
    if url in PAGES:
        assert not [sql for sql in large if "servicing_loan" in sql], "a monitoring page read the loans"
