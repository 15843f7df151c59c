"""Concentration in monitoring: the exposure source risk's decision check calls, and the daily
check of each active limit (exposure against limit, breaches flagged) with its API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import clock, roles
from monitoring import concentration, services
from monitoring.models import ConcentrationExposure
from risk import concentration as risk_concentration
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def maker():
    return UserFactory(username="limit-maker", role=roles.RISK_ANALYST)


@pytest.fixture
def checker():
    return UserFactory(username="limit-checker", role=roles.RISK_ANALYST)


def _active(maker, checker, **fields):
    limit = risk_concentration.limit_create(actor=maker, **fields)
    risk_concentration.limit_submit(limit=limit, actor=maker)
    return risk_concentration.limit_activate(limit=limit, actor=checker)


@pytest.fixture
def book(make_loan):
    """Shanghai 6,000 (two loans of one borrower: 4,000 + 2,000), Beijing 4,000: a book of 10,000."""
    day = clock.today()
    a = make_loan(region="上海")
    b = make_loan(region="北京")
    c = make_loan(region="上海")
    from servicing.models import Loan

    Loan.objects.filter(pk=c.pk).update(customer=a.customer)
    snap(a, day, principal="4000.00")
    snap(b, day, principal="4000.00")
    snap(c, day, principal="2000.00")
    return {"day": day, "borrower": a.customer_id}


def test_exposure_source_is_registered_and_reads_the_last_date(book):
    services.run_monitoring(book["day"])
    assert concentration.exposure in risk_concentration._sources
    assert concentration.exposure(dimension="region", key="上海") == risk_concentration.Exposure(
        D("6000.00"), D("10000.00")
    )
    assert concentration.exposure(dimension="borrower", key=str(book["borrower"])).amount == D("6000.00")
    assert concentration.exposure(dimension="region", key="广州").amount == D("0.00")


def test_exposure_before_any_monitoring_is_nothing():
    assert concentration.exposure(dimension="region", key="上海") == risk_concentration.Exposure(D(0), D(0))


def test_daily_check_flags_breaches_and_is_idempotent(book, maker, checker):
    shanghai = _active(
        maker, checker, dimension="region", key="上海", basis="share", threshold=D("0.50"), severity="hard"
    )
    beijing = _active(
        maker, checker, dimension="region", key="北京", basis="share", threshold=D("0.50"), severity="soft"
    )
    single = _active(
        maker, checker, dimension="borrower", key="", basis="amount", threshold=D("5000"), severity="hard"
    )
    services.run_monitoring(book["day"])
    result = services.run_monitoring(book["day"])
    assert result["concentration_limits"] == 3
    rows = {row.limit_id: row for row in ConcentrationExposure.objects.filter(as_of=book["day"])}
    assert len(rows) == 3
    # 6,000 / 10,000 = 0.6000 > 0.50
    assert (rows[shanghai.pk].value, rows[shanghai.pk].breached) == (D("0.6000"), True)
    assert (rows[beijing.pk].value, rows[beijing.pk].breached) == (D("0.4000"), False)
    # the largest borrower holds 6,000 > 5,000
    assert rows[single.pk].key == str(book["borrower"])
    assert (rows[single.pk].exposure, rows[single.pk].breached) == (D("6000.00"), True)

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(maker)
    body = client.get("/api/v1/monitoring/concentration/").json()
    assert body["as_of"] == book["day"].isoformat()
    assert {r["key"]: r["breached"] for r in body["limits"] if r["dimension"] == "region"} == {
        "北京": False,
        "上海": True,
    }
    client.force_authenticate(UserFactory(username="limit-customer", role=roles.CUSTOMER))
    assert client.get("/api/v1/monitoring/concentration/").status_code == 403
