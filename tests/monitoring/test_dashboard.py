"""The monitoring dashboard in the admin console: its figures and charts, in both languages, and
who may open it."""

from __future__ import annotations

import pytest

from loanhub import roles
from monitoring import services
from tests.monitoring.conftest import month_end, snap
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/portfolioday/"


@pytest.fixture
def monitored(make_loan):
    a, b = make_loan(), make_loan()
    for day in (month_end(2), month_end(1)):
        snap(a, day, "current", principal="1000.00", provision="10.00")
    snap(b, month_end(2), "current", principal="3000.00", provision="30.00")
    snap(b, month_end(1), "61-90", principal="3000.00", overdue="400.00", provision="780.00")
    services.run_monitoring(month_end(2))
    services.run_monitoring(month_end(1))


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            (
                "Delinquency buckets over time",
                "Vintage curves",
                "Roll rates of",
                "classification migration of",
            ),
        ),
        ("zh-hans", ("逾期分档余额走势", "账龄曲线", "迁徙率", "五级分类迁徙")),
    ],
)
def test_dashboard_shows_the_figures_and_charts(client, monitored, language, texts):
    client.force_login(UserFactory(username="analyst", role=roles.RISK_ANALYST))

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    # Buckets, classes, vintages and the class migration's heat map (no loan was delinquent at
    # the earlier month end: no cure rates).
    assert page.count('<svg class="chart"') == 4
    assert "4000.00" in page  # principal outstanding
    assert "790.00" in page  # reserve
    # Coverage: 790 ÷ 3000 (the substandard loan); loan provision ratio 790 ÷ 4000.
    assert "0.2633" in page
    assert "0.1975" in page
    for text in texts:
        assert text in page


def test_dashboard_without_figures(client):
    client.force_login(UserFactory(username="analyst", role=roles.RISK_ANALYST))

    response = client.get(URL)

    assert response.status_code == 200
    assert '<svg class="chart"' not in response.content.decode()


def test_marketing_may_not_open_it(client, monitored):
    client.force_login(UserFactory(username="marketing", role=roles.MARKETING_MANAGER))

    assert client.get(URL).status_code == 403
