"""Monitoring API: the contract's bodies, who may read them, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from rest_framework.test import APIClient

from loanhub import clock, roles
from monitoring import services
from tests.monitoring.conftest import month_end, snap
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory

pytestmark = pytest.mark.django_db
URLS = ("/api/v1/monitoring/portfolio/", "/api/v1/monitoring/roll-rates/", "/api/v1/monitoring/vintages/")


def _client(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def analyst():
    return UserFactory(username="analyst", role=roles.RISK_ANALYST)


@pytest.fixture
def closed(make_loan):
    """Two loans at the last two month ends: one stays current, one rolls from current to 31-60
    (which also makes it 30+ past due, for its vintage)."""
    a, b = make_loan(), make_loan()
    for day in (month_end(2), month_end(1)):
        snap(a, day, "current", principal="1000.00", provision="10.00")
    snap(b, month_end(2), "current", principal="3000.00", provision="30.00")
    snap(b, month_end(1), "31-60", principal="3000.00", overdue="400.00", provision="30.00")
    services.run_monitoring(month_end(2))
    services.run_monitoring(month_end(1))
    return month_end(1)


def test_portfolio_body(closed, analyst):
    response = _client(analyst).get("/api/v1/monitoring/portfolio/", {"as_of": closed.isoformat()})

    assert response.status_code == 200
    assert response.json() == {
        "as_of": closed.isoformat(),
        "loans": 2,
        "balance": "4000.00",
        "buckets": {
            "current": "1000.00",
            "1-30": "0.00",
            "31-60": "3000.00",
            "61-90": "0.00",
            "91-180": "0.00",
            "180+": "0.00",
        },
        "classification": {
            "pass": "1000.00",
            "special_mention": "3000.00",
            "substandard": "0.00",
            "doubtful": "0.00",
            "loss": "0.00",
        },
        "reserve": "40.00",
        "provision_coverage_ratio": None,  # nothing non-performing to cover
        "loan_provision_ratio": "0.0100",
    }


def test_portfolio_defaults_to_the_last_date(closed, analyst):
    assert _client(analyst).get("/api/v1/monitoring/portfolio/").json()["as_of"] == closed.isoformat()


def test_roll_rates_body(closed, analyst):
    month = closed.strftime("%Y-%m")
    response = _client(analyst).get("/api/v1/monitoring/roll-rates/", {"month": month})

    assert response.status_code == 200
    assert response.json() == {
        "month": month,
        "from_buckets": {"current": {"current": "0.5000", "31-60": "0.5000"}},
    }


def test_vintages_body(closed, analyst):
    response = _client(analyst).get("/api/v1/monitoring/vintages/")

    assert response.status_code == 200
    (vintage,) = response.json()["vintages"]
    # Both loans were disbursed a year ago; shares are of the two (the curve's figures by hand
    # are tested in test_services).
    assert vintage["month"] == (clock.today() - relativedelta(years=1)).strftime("%Y-%m")
    assert vintage["points"][0] == {"months_on_book": 1, "dpd30_share": "0.0000"}
    assert {point["dpd30_share"] for point in vintage["points"]} <= {"0.0000", "0.5000"}


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/monitoring/portfolio/", {"as_of": "2026-02-30"}, "as_of"),
        ("/api/v1/monitoring/portfolio/", {"as_of": "yesterday"}, "as_of"),
        ("/api/v1/monitoring/roll-rates/", {"month": "2026-13"}, "month"),
        ("/api/v1/monitoring/roll-rates/", {"month": "2026-1"}, "month"),
        ("/api/v1/monitoring/roll-rates/", {"month": "2026-01-01"}, "month"),
    ],
)
def test_bad_input_is_a_field_error(closed, analyst, url, params, field):
    response = _client(analyst).get(url, params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_date_or_month_without_figures_is_404(closed, analyst):
    client = _client(analyst)
    assert (
        client.get(
            "/api/v1/monitoring/portfolio/", {"as_of": (closed + dt.timedelta(days=1)).isoformat()}
        ).status_code
        == 404
    )
    assert (
        client.get("/api/v1/monitoring/roll-rates/", {"month": month_end(2).strftime("%Y-%m")}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.RISK_ANALYST, 200),
        (roles.LOAN_OFFICER, 200),
        (roles.AUDITOR, 200),
        (roles.MARKETING_MANAGER, 403),
        (roles.CUSTOMER, 403),
    ],
)
@pytest.mark.parametrize("url", URLS)
def test_who_may_read(closed, role, status, url):
    user = CustomerFactory().user if role == roles.CUSTOMER else UserFactory(username=f"u-{role}", role=role)
    response = _client(user).get(url)
    assert response.status_code == status


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_401(url):
    assert _client().get(url).status_code == 401


def test_a_customer_with_bad_input_is_still_403(closed):
    response = _client(CustomerFactory().user).get("/api/v1/monitoring/portfolio/", {"as_of": "nope"})
    assert response.status_code == 403
