"""The portfolio dashboard (issue 15): the snapshot's channel and industry, the mix and the yield
against figures computed by hand, filters narrowing them, the downloads holding what the page
shows, a date monitored twice writing nothing twice, and who may open it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from openpyxl import load_workbook
from rest_framework.test import APIClient

from applications.models import LoanApplication
from customers.models import Customer
from loanhub import clock, roles
from monitoring import services
from monitoring.models import LoanChannel, PortfolioDay, PortfolioFlow, PortfolioMix
from servicing.models import CreditLineTransaction, Repayment
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/portfoliomix/"
ZERO = Decimal("0.00")
NO_LINES = [0, ZERO, 0, ZERO, ZERO, ZERO]  # credit line draws, drawn, repayments, their split


def _loan(make_loan, *, region, customer_type, industry, channel):
    loan = make_loan(clock.today() - dt.timedelta(days=40), region=region, customer_type=customer_type)
    Customer.objects.filter(pk=loan.customer_id).update(industry=industry)
    LoanApplication.objects.filter(pk=int(loan.origin_ref[1:])).update(channel=channel)
    return loan


def _repay(loan, day, *, interest="0.00", penalty="0.00", fees="0.00", principal="0.00", reversed=False):
    parts = {k: Decimal(v) for k, v in (("interest", interest), ("penalty", penalty), ("fees", fees))}
    amount = sum(parts.values(), Decimal(principal))
    repayment = Repayment.objects.create(
        loan=loan, amount=amount, value_date=day, channel="portal", principal=Decimal(principal), **parts
    )
    if reversed:
        Repayment.objects.filter(pk=repayment.pk).update(status="reversed")


@pytest.fixture
def days():
    second = clock.today() - dt.timedelta(days=1)
    return second - dt.timedelta(days=1), second


@pytest.fixture
def book(make_loan, days):
    """Two days of a book of two loans: Shanghai, individual, manufacturing, web, 1,000.00; and
    Beijing, small business, retail, branch, 3,000.00. Received: the first 2.00 interest and
    1.00 fees on the second day; the second 5.00 interest and 1.00 penalty on the first day (and
    100.00 interest on the second, reversed)."""
    first, second = days
    shanghai = _loan(make_loan, region="上海", customer_type="individual", industry="制造业", channel="web")
    beijing = _loan(
        make_loan, region="北京", customer_type="small_business", industry="零售", channel="branch"
    )
    for day in days:
        snap(shanghai, day, principal="1000.00")
        snap(beijing, day, principal="3000.00")
    _repay(shanghai, second, interest="2.00", fees="1.00", principal="10.00")
    _repay(beijing, first, interest="5.00", penalty="1.00")
    _repay(beijing, second, interest="100.00", reversed=True)
    for day in days:
        services.run_monitoring(day)
    return shanghai, beijing


@pytest.fixture
def analyst():
    return UserFactory(username="port-analyst", role=roles.RISK_ANALYST)


def _get(client, days, **params):
    first, second = days
    query = {"start": first.isoformat(), "end": second.isoformat(), **params}
    return client.get(URL, query, HTTP_ACCEPT_LANGUAGE="en")


def test_snapshot_carries_channel_and_industry_and_a_second_run_writes_nothing_twice(book, days):
    first, second = days
    rows = sorted(
        PortfolioDay.objects.filter(business_date=second).values_list(
            "region", "channel", "industry", "balance"
        )
    )
    assert rows == [
        ("上海", "web", "制造业", Decimal("1000.00")),
        ("北京", "branch", "零售", Decimal("3000.00")),
    ]

    def state():
        return (
            sorted(
                PortfolioDay.objects.values_list("business_date", "channel", "industry", "loans", "balance")
            ),
            sorted(
                PortfolioMix.objects.values_list("business_date", "channel", "industry", "loans", "balance")
            ),
            sorted(PortfolioFlow.objects.values_list("day", "region", "repayments", "interest", "fees")),
            sorted(LoanChannel.objects.values_list("loan_id", "channel")),
        )

    before = state()
    services.run_monitoring(second)
    services.run_monitoring(first)
    assert state() == before
    assert len(before[3]) == 2
    assert sorted(PortfolioFlow.objects.filter(day__gte=first).values_list("day", "region", "interest")) == [
        (first, "北京", Decimal("5.00")),
        (second, "上海", Decimal("2.00")),
    ]


def test_mix_and_yield_against_a_hand_computed_example(client, book, days, analyst):
    client.force_login(analyst)
    response = _get(client, days)
    assert response.status_code == 200
    tables = response.context["tables"]
    regions = [row for row in tables["mix"][1] if row[0] == "Region"]
    # 北京 3,000 ÷ 4,000 = 0.75; 上海 1,000 ÷ 4,000 = 0.25.
    assert regions == [
        ["Region", "北京", 1, Decimal("3000.00"), Decimal("0.7500")],
        ["Region", "上海", 1, Decimal("1000.00"), Decimal("0.2500")],
    ]
    channels = [row[1:] for row in tables["mix"][1] if row[0] == "Channel"]
    assert channels == [
        ["branch", 1, Decimal("3000.00"), Decimal("0.7500")],
        ["web", 1, Decimal("1000.00"), Decimal("0.2500")],
    ]
    segments = [row[1] for row in tables["mix"][1] if row[0] == "Segment (customer type)"]
    assert segments == ["small and micro enterprise", "individual"]
    # Earned 2 + 1 + 5 + 1 = 9.00 (the reversed 100.00 does not count) over a mean balance of
    # 4,000.00 for 2 days: 9 ÷ 4,000 × 365 ÷ 2 = 0.410625 → 0.4106.
    assert tables["yield"][1] == [
        [days[0].isoformat(), days[1].isoformat(), 2, Decimal("4000.00"), Decimal("9.00"), Decimal("0.4106")]
    ]
    assert tables["balance"][1] == [
        [days[0].isoformat(), 2, Decimal("4000.00")],
        [days[1].isoformat(), 2, Decimal("4000.00")],
    ]
    page = response.content.decode()
    assert page.count('<svg class="chart"') == 2 + 5 + 1  # balance, count, five mixes, flows
    assert "0.4106" in page
    assert "0.7500" in page


@pytest.mark.parametrize(
    ("params", "balance", "earned", "yield_", "regions"),
    [
        # Shanghai alone: 3.00 ÷ 1,000 × 365 ÷ 2 = 0.5475.
        ({"region": "上海"}, "1000.00", "3.00", "0.5475", {"上海": Decimal("1.0000")}),
        # The branch channel (Beijing): 6.00 ÷ 3,000 × 365 ÷ 2 = 0.365.
        ({"channel": "branch"}, "3000.00", "6.00", "0.3650", {"北京": Decimal("1.0000")}),
        ({"customer_type": "small_business"}, "3000.00", "6.00", "0.3650", {"北京": Decimal("1.0000")}),
        ({"region": "上海", "channel": "branch"}, "0.00", "0.00", None, {}),
    ],
)
def test_filters_narrow_the_figures(client, book, days, analyst, params, balance, earned, yield_, regions):
    client.force_login(analyst)
    tables = _get(client, days, **params).context["tables"]
    assert [row[2] for row in tables["balance"][1]] == [Decimal(balance)] * 2
    (row,) = tables["yield"][1]
    assert row[3:] == [Decimal(balance), Decimal(earned), None if yield_ is None else Decimal(yield_)]
    shares = {row[1]: row[4] for row in tables["mix"][1] if row[0] == "Region"}
    assert shares == regions


def test_flows_by_day_and_by_month(client, book, days, analyst):
    client.force_login(analyst)
    headers, rows = _get(client, days).context["tables"]["flows"]
    assert headers[0] == "Date"
    assert rows == [
        [
            days[0].isoformat(),
            0,
            Decimal("0.00"),
            Decimal("0.00"),
            1,
            *map(Decimal, ("0.00", "5.00", "1.00", "0.00")),
            *NO_LINES,
        ],
        [
            days[1].isoformat(),
            0,
            Decimal("0.00"),
            Decimal("0.00"),
            1,
            *map(Decimal, ("10.00", "2.00", "0.00", "1.00")),
            *NO_LINES,
        ],
    ]
    start = clock.today() - dt.timedelta(days=60)
    monthly = client.get(
        URL, {"start": (start - dt.timedelta(days=30)).isoformat(), "end": days[1].isoformat()}
    )
    headers, rows = monthly.context["tables"]["flows"]
    disbursed = sum(row[1] for row in rows)
    assert disbursed == 2  # both loans, 40 days ago, in the longer range
    assert sum(row[4] for row in rows) == 2


def test_downloads_hold_what_the_page_shows(client, book, days, analyst):
    client.force_login(analyst)
    tables = _get(client, days, region="北京").context["tables"]

    def text(rows):
        return [["" if v is None else str(v) for v in row] for row in rows]

    for name, (headers, rows) in tables.items():
        response = _get(client, days, region="北京", export="csv", table=name)
        assert response["Content-Type"].startswith("text/csv")
        got = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert got == [[str(h) for h in headers], *text(rows)]
    workbook = load_workbook(io.BytesIO(_get(client, days, region="北京", export="xlsx").content))
    assert workbook.sheetnames == ["balance", "mix", "flows", "yield"]
    for name, (headers, rows) in tables.items():
        cells = [
            ["" if v is None else str(v) for v in row] for row in workbook[name].iter_rows(values_only=True)
        ]
        assert cells == [[str(h) for h in headers], *text(rows)]
    assert _get(client, days, export="csv", table="nope").status_code == 404
    assert _get(client, days, export="pdf").status_code == 404


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Disbursements and repayments over time"), ("zh-hans", "放款与回收趋势")]
)
def test_page_in_both_languages(client, book, days, analyst, language, text):
    client.force_login(analyst)
    first, second = days
    response = client.get(URL, {"start": first.isoformat()}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_without_figures(client, analyst):
    client.force_login(analyst)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No monitoring figures yet" in response.content.decode()


@pytest.mark.parametrize(
    "role", [roles.LOAN_OFFICER, roles.AUDITOR, roles.PRODUCT_MANAGER, roles.SENIOR_APPROVER]
)
def test_staff_who_view_the_business_open_it(client, book, days, role):
    client.force_login(UserFactory(username=f"port-{role}", role=role))
    assert _get(client, days).status_code == 200


def test_customers_and_marketing_may_not_open_it(client, book, days):
    customer = book[0].customer.user
    client.force_login(customer)
    assert _get(client, days).status_code == 302  # not staff: the admin's log-in page
    assert _get(client, days, export="xlsx").status_code == 302
    client.force_login(UserFactory(username="port-marketing", role=roles.MARKETING_MANAGER))
    assert _get(client, days).status_code == 403
    assert _get(client, days, export="csv", table="mix").status_code == 403


API = "/api/v1/monitoring/portfolio/mix/"


def test_api_gives_the_page_figures_and_refuses_customers(client, book, days, analyst):
    first, second = days
    query = {"start": first.isoformat(), "end": second.isoformat(), "channel": "branch"}
    client.force_login(analyst)
    body = client.get(API, query).json()
    assert body["as_of"] == second.isoformat()
    assert body["series"] == [
        {"as_of": first.isoformat(), "loans": 1, "balance": "3000.00"},
        {"as_of": second.isoformat(), "loans": 1, "balance": "3000.00"},
    ]
    assert body["mix"]["region"] == [{"key": "北京", "loans": 1, "balance": "3000.00", "share": "1.0000"}]
    assert body["yield"]["value"] == "0.3650"
    assert body["yield"]["earned"] == "6.00"
    assert [p["interest"] for p in body["flows"]["periods"]] == ["5.00"]  # the reversed 100.00 is out
    client.force_login(book[0].customer.user)
    assert client.get(API, query).status_code == 403
    client.logout()
    assert client.get(API, query).status_code == 401


def test_industry_concentration_reads_the_days_mix(book, days, analyst):
    from monitoring import concentration as monitored
    from monitoring.models import ConcentrationExposure
    from risk import concentration

    limit = concentration.limit_create(
        actor=analyst,
        dimension="industry",
        key="零售",
        basis="share",
        threshold=Decimal("0.50"),
        severity="soft",
    )
    concentration.limit_submit(limit=limit, actor=analyst)
    concentration.limit_activate(
        limit=limit, actor=UserFactory(username="port-checker", role=roles.RISK_ANALYST)
    )
    services.run_monitoring(days[1])
    row = ConcentrationExposure.objects.get(as_of=days[1], limit_id=limit.pk)
    assert (row.exposure, row.book, row.value, row.breached) == (
        Decimal("3000.00"),
        Decimal("4000.00"),
        Decimal("0.7500"),  # 3,000 ÷ 4,000
        True,
    )
    # The customer's industry changes after the date was monitored: the date's figure stands.
    Customer.objects.filter(pk=book[1].customer_id).update(industry="批发")
    assert monitored.exposure(dimension="industry", key="零售") == concentration.Exposure(
        Decimal("3000.00"), Decimal("4000.00")
    )


def test_credit_line_draws_and_repayments_are_in_the_flows(client, book, days, analyst):
    """A line of a Shanghai customer who applied in the app: 500.00 drawn on the first day, a
    repayment of 100.00 on the second (2.00 penalty, 8.00 interest, 90.00 principal)."""
    first, second = days
    customer = Customer.objects.get(pk=book[0].customer_id)
    application = ApplicationFactory(customer=customer)
    LoanApplication.objects.filter(pk=application.pk).update(channel="app")
    line = open_line(
        customer=customer, opened_on=first - dt.timedelta(days=30), number=f"C{application.pk:08d}"
    )
    CreditLineTransaction.objects.create(
        credit_line=line, kind="draw", amount=Decimal("500.00"), value_date=first, channel="portal"
    )
    CreditLineTransaction.objects.create(
        credit_line=line,
        kind="repayment",
        amount=Decimal("100.00"),
        principal=Decimal("90.00"),
        interest=Decimal("8.00"),
        penalty=Decimal("2.00"),
        value_date=second,
        channel="portal",
    )
    for day in days:
        services.run_monitoring(day)
    client.force_login(analyst)

    _headers, rows = _get(client, days).context["tables"]["flows"]
    assert [row[-6:] for row in rows] == [
        [1, Decimal("500.00"), 0, ZERO, ZERO, ZERO],
        [0, ZERO, 1, Decimal("90.00"), Decimal("8.00"), Decimal("2.00")],
    ]
    assert [row[1:9] for row in rows] == [  # the loans' own figures are unchanged
        [0, ZERO, ZERO, 1, ZERO, Decimal("5.00"), Decimal("1.00"), ZERO],
        [0, ZERO, ZERO, 1, Decimal("10.00"), Decimal("2.00"), ZERO, Decimal("1.00")],
    ]
    # The line carries its customer's region and its application's channel.
    _headers, rows = _get(client, days, region="北京").context["tables"]["flows"]
    assert all(row[-6:] == NO_LINES for row in rows)
    api = APIClient()
    api.force_authenticate(analyst)
    url = "/api/v1/monitoring/portfolio/mix/"
    body = api.get(url, {"start": first.isoformat(), "end": second.isoformat()}).json()
    one, two = body["flows"]["periods"]
    assert (one["line_draws"], one["drawn"], two["line_repayments"], two["line_principal"]) == (
        1,
        "500.00",
        1,
        "90.00",
    )
    body = api.get(url, {"start": first.isoformat(), "end": second.isoformat(), "channel": "app"}).json()
    assert [(p["repayments"], p["line_draws"], p["line_repayments"]) for p in body["flows"]["periods"]] == [
        (0, 1, 0),
        (0, 0, 1),
    ]
    # Run again: nothing twice.
    services.run_monitoring(second)
    assert PortfolioFlow.objects.filter(day=second).aggregate(n=Sum("line_repayments"))["n"] == 1


def test_the_channel_filter_offers_the_credit_lines_channels(client, book, days, analyst):
    """The loans came through web and branch; a line through the app (in the flows only): the page
    offers all three, and choosing the app narrows the flows to the line's."""
    first, second = days
    customer = Customer.objects.get(pk=book[1].customer_id)
    application = ApplicationFactory(customer=customer)
    LoanApplication.objects.filter(pk=application.pk).update(channel="app")
    line = open_line(
        customer=customer, opened_on=first - dt.timedelta(days=30), number=f"C{application.pk:08d}"
    )
    CreditLineTransaction.objects.create(
        credit_line=line, kind="draw", amount=Decimal("700.00"), value_date=second, channel="portal"
    )
    client.force_login(analyst)
    before = _get(client, days).context["form"].fields["channel"].choices
    assert [value for value, _label in before] == ["", "branch", "web"]
    services.run_monitoring(second)

    response = _get(client, days, channel="app")

    choices = response.context["form"].fields["channel"].choices
    assert [value for value, _label in choices] == ["", "app", "branch", "web"]
    assert response.context["form"].filters()["channel"] == "app"
    _headers, rows = response.context["tables"]["flows"]
    assert [row[-6:] for row in rows] == [[1, Decimal("700.00"), 0, ZERO, ZERO, ZERO]]
    assert all(row[1:9] == [0, ZERO, ZERO, 0, ZERO, ZERO, ZERO, ZERO] for row in rows)
