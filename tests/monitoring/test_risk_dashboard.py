"""The risk monitoring page of the admin console: provisions, concentration, the ladder and rate
sensitivity drawn on the server, CSV and XLSX exports, both languages, who may open it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from loanhub import clock, roles
from monitoring import services
from risk import concentration
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/modelstability/"


@pytest.fixture
def analyst():
    return UserFactory(username="dash-analyst", role=roles.RISK_ANALYST)


@pytest.fixture
def monitored(make_loan, analyst):
    day = clock.today()
    snap(make_loan(region="上海"), day, "current", principal="1000.00", provision="10.00")
    snap(make_loan(region="北京"), day, "61-90", principal="3000.00", overdue="400.00", provision="780.00")
    checker = UserFactory(username="dash-checker", role=roles.RISK_ANALYST)
    limit = concentration.limit_create(
        actor=analyst,
        dimension="region",
        key="北京",
        basis="share",
        threshold=Decimal("0.50"),
        severity="hard",
    )
    concentration.limit_submit(limit=limit, actor=analyst)
    concentration.limit_activate(limit=limit, actor=checker)
    services.run_monitoring(day)
    return day


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ("Provisions by class and stage", "Concentration limits", "breached", "maturity ladder")),
        ("zh-hans", ("按分类和阶段的拨备", "集中度限额", "已突破", "期限阶梯")),
    ],
)
def test_page_shows_the_tables_and_charts(client, monitored, analyst, language, texts):
    client.force_login(analyst)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<svg class="chart"') == 2  # provisions, ladder (no model decided)
    assert "0.7500" in page  # 北京: 3000 ÷ 4000 > 0.50
    for text in texts:
        assert text in page


def test_csv_and_xlsx_exports(client, monitored, analyst):
    client.force_login(analyst)
    response = client.get(URL, {"export": "csv", "table": "concentration"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Dimension"
    assert rows[1][:2] == ["region", "北京"]
    assert rows[1][-1] == "True"
    assert client.get(URL, {"export": "csv", "table": "nope"}).status_code == 404
    workbook = load_workbook(io.BytesIO(client.get(URL, {"export": "xlsx"}).content))
    assert {"psi", "calibration", "provisions", "concentration", "liquidity", "rate_sensitivity"} <= set(
        workbook.sheetnames
    )


def test_customers_and_marketing_may_not_open_it(client, monitored):
    client.force_login(UserFactory(username="dash-marketing", role=roles.MARKETING_MANAGER))
    assert client.get(URL).status_code in (302, 403)
    assert client.get(URL, {"export": "xlsx"}).status_code in (302, 403)
