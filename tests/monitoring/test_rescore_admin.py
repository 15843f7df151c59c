"""The periodic rescores' console list: a rescore writes a row per loan on the book, so the list
never reads the whole table on page load (no DISTINCT over the grades for its filter, no full
COUNT) and pages by key (benchmarks/bench_dashboards.py times it over 3,000,000 rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loanhub import clock, roles
from monitoring.models import LoanRescore
from products.choices import RiskGrade
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/loanrescore/"


@pytest.fixture
def analyst(client):
    client.force_login(UserFactory(username="rescore-analyst", role=roles.RISK_ANALYST))
    return client


def _rescores() -> None:
    today = clock.today()
    for n, grade in enumerate("ABEEC", start=1):
        LoanRescore.objects.create(
            loan_id=1000 + n,
            as_of=today - dt.timedelta(days=n % 2),
            model_version=1,
            baseline_score=600,
            baseline_grade="A",
            score=600 - 20 * n,
            grade=grade,
        )


def test_the_grade_filter_offers_the_catalogues_grades_and_keeps_only_that_grade(analyst):
    _rescores()
    page = analyst.get(URL, {"grade": "E"})
    assert page.status_code == 200
    shown = {row.loan_id for row in page.context["cl"].result_list}
    assert shown == set(LoanRescore.objects.filter(grade="E").values_list("loan_id", flat=True))
    assert len(shown) == 2
    specs = page.context["cl"].filter_specs
    [grade_filter] = [f for f in specs if getattr(f, "parameter_name", "") == "grade"]
    offered = [choice["display"] for choice in grade_filter.choices(page.context["cl"])][1:]
    assert [str(label) for label in offered] == [str(label) for _value, label in RiskGrade.choices]


def test_the_list_neither_counts_nor_reads_the_distinct_grades_of_every_rescore(analyst):
    _rescores()
    analyst.get(URL)  # warm: session, permissions, content types
    with CaptureQueriesContext(connection) as captured:
        page = analyst.get(URL)
    assert page.status_code == 200
    table = [q["sql"] for q in captured.captured_queries if "monitoring_loanrescore" in q["sql"]]
    assert table, "the list read no rescore"
    assert not [sql for sql in table if "DISTINCT" in sql.upper()]
    assert not [sql for sql in table if "COUNT(*)" in sql.upper() and "LIMIT" not in sql.upper()]
    # newest first by key
    ids = [row.pk for row in page.context["cl"].result_list]
    assert ids == sorted(ids, reverse=True)
