"""The portfolio dashboard's rollups by one dimension (`PortfolioMixByDimension`,
`PortfolioFlowByDimension`): over a small history of loans, repayments and a credit line, the
figures read from them are exactly those summed from the full tables (`PortfolioMix`,
`PortfolioFlow`) for no filter, every single filter and two filters at once; the rollups hold a
row per date and value; a date monitored twice writes nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import LoanApplication
from customers.models import Customer
from loanhub import clock
from monitoring import portfolio_selectors as selectors
from monitoring import services
from monitoring.portfolio_models import (
    MIX_DIMENSIONS,
    PortfolioFlow,
    PortfolioFlowByDimension,
    PortfolioMix,
    PortfolioMixByDimension,
)
from servicing.models import CreditLineTransaction, Repayment
from tests.monitoring.conftest import snap
from tests.servicing.factories import ApplicationFactory
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db

# region, customer type, industry, channel of each loan ("" where not given).
LOANS = [
    ("上海", "individual", "制造业", "web"),
    ("上海", "small_business", "零售", "branch"),
    ("北京", "individual", "零售", "web"),
    ("北京", "sole_proprietor", "", "app"),
    ("", "individual", "制造业", "branch"),
]


@pytest.fixture
def dates():
    """Four monitored dates over three months: month ends two and one months ago, and the last two
    days (so a range of a year sums the flows by month, one of two days by day)."""
    today = clock.today()
    last = today - dt.timedelta(days=1)
    first_of_month = today.replace(day=1)
    earlier = first_of_month - dt.timedelta(days=1)
    return [
        (earlier.replace(day=1) - dt.timedelta(days=1)),
        earlier,
        last - dt.timedelta(days=1),
        last,
    ]


@pytest.fixture
def history(make_loan, dates):
    loans = []
    for n, (region, customer_type, industry, channel) in enumerate(LOANS):
        loan = make_loan(dates[0] - dt.timedelta(days=20 + n), region=region, customer_type=customer_type)
        Customer.objects.filter(pk=loan.customer_id).update(industry=industry)
        LoanApplication.objects.filter(pk=int(loan.origin_ref[1:])).update(channel=channel)
        loans.append(loan)
    for k, day in enumerate(dates):
        for n, loan in enumerate(loans):
            if (n, k) != (4, 3):  # the last loan is paid off before the last date
                snap(loan, day, principal=f"{1000 * (n + 1) - 50 * k}.00", overdue=f"{10 * (n % 2)}.00")
        for n, loan in enumerate(loans[: k + 2]):
            Repayment.objects.create(
                loan=loan,
                amount=Decimal("60.00") + n,
                value_date=day - dt.timedelta(days=n),
                channel="portal",
                principal=Decimal("50.00"),
                interest=Decimal("7.00") + n,
                penalty=Decimal("1.00"),
                fees=Decimal("2.00"),
            )
    customer = Customer.objects.get(pk=loans[2].customer_id)
    application = ApplicationFactory(customer=customer)
    LoanApplication.objects.filter(pk=application.pk).update(channel="hotline")
    line = open_line(
        customer=customer, opened_on=dates[0] - dt.timedelta(days=30), number=f"C{application.pk:08d}"
    )
    CreditLineTransaction.objects.create(
        credit_line=line, kind="draw", amount=Decimal("500.00"), value_date=dates[1], channel="portal"
    )
    CreditLineTransaction.objects.create(
        credit_line=line,
        kind="repayment",
        amount=Decimal("100.00"),
        principal=Decimal("90.00"),
        interest=Decimal("8.00"),
        penalty=Decimal("2.00"),
        value_date=dates[3],
        channel="portal",
    )
    for day in dates:
        services.run_monitoring(day)
    return loans


def _filter_cases(as_of: dt.date) -> list[dict]:
    """No filter, each filter with each of its values, the value not given and an unknown one,
    and pairs of filters."""
    values = selectors.portfolio_filter_values(as_of=as_of, full_tables=True)
    cases = [{}]
    for name in selectors.FILTERS:
        offered = [value or selectors.NOT_GIVEN for value in values[name]]
        cases += [{name: value} for value in {*offered, selectors.NOT_GIVEN, "nowhere"}]
    cases += [
        {"region": "上海", "channel": "web"},
        {"region": "北京", "customer_type": "individual"},
        {"product": values["product"][0], "channel": "hotline"},
        {"region": selectors.NOT_GIVEN, "channel": "branch", "customer_type": "individual"},
    ]
    return cases


def _tables_read(queries) -> set[str]:
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return {table for table in ('"monitoring_portfoliomix"', '"monitoring_portfolioflow"') if table in sql}


def test_the_rollups_give_the_full_tables_figures_for_every_filter(history, dates):
    latest = dates[-1]
    assert selectors.portfolio_filter_values(as_of=latest) == selectors.portfolio_filter_values(
        as_of=latest, full_tables=True
    )
    assert "hotline" in selectors.portfolio_filter_values(as_of=latest)["channel"]  # the line's
    ranges = [
        selectors.portfolio_period(latest=latest),  # a year: the flows by month
        (dates[2], dates[3]),  # two days: by day
        (dates[1], dates[2]),
    ]
    cases = _filter_cases(latest)
    assert len(cases) > 20
    for start, end in ranges:
        for params in cases:
            filters = selectors.portfolio_filters(params)
            with CaptureQueriesContext(connection) as queries:
                fast = selectors.portfolio_view(start=start, end=end, filters=filters)
            full = selectors.portfolio_view(start=start, end=end, filters=filters, full_tables=True)
            assert fast == full, (start, end, params)
            # Not vacuous: one filter or none never reads the full tables over the range (the
            # filtered mix reads the last date's PortfolioMix rows only), two or more do.
            read = _tables_read(queries)
            if not params:
                assert read == set(), params
            elif len(params) == 1:
                assert read == {'"monitoring_portfoliomix"'}, params
            else:
                assert read == {'"monitoring_portfoliomix"', '"monitoring_portfolioflow"'}, params
    # The comparison covered figures, not empty results.
    year = selectors.portfolio_view(start=ranges[0][0], end=latest, filters=selectors.portfolio_filters({}))
    assert [day["loans"] for day in year["series"]] == [5, 5, 5, 4]
    assert year["flows"]["monthly"]
    assert len(year["flows"]["periods"]) >= 3
    assert year["yield"]["earned"] > 0
    assert sum(row["line_draws"] for row in year["flows"]["periods"]) == 1
    region = selectors.portfolio_view(
        start=dates[2], end=latest, filters=selectors.portfolio_filters({"region": "北京"})
    )
    assert [day["balance"] for day in region["series"]] == [Decimal("6800.00"), Decimal("6700.00")]
    assert [part["key"] for part in region["mix"]["channel"]] == ["app", "web"]


def test_the_rollups_hold_a_row_per_date_and_value_and_a_second_run_writes_nothing_twice(history, dates):
    latest = dates[-1]
    for name in MIX_DIMENSIONS:
        values = set(PortfolioMix.objects.filter(business_date=latest).values_list(name, flat=True))
        assert (
            set(
                PortfolioMixByDimension.objects.filter(business_date=latest, dimension=name).values_list(
                    "value", flat=True
                )
            )
            == values
        )
        days = set(PortfolioFlow.objects.values_list("day", name))
        assert (
            set(PortfolioFlowByDimension.objects.filter(dimension=name).values_list("day", "value")) == days
        )
    whole = PortfolioMixByDimension.objects.get(business_date=latest, dimension="")
    assert (whole.value, whole.loans, whole.balance) == ("", 4, Decimal("1000.00") * 10 - 4 * 150)

    def state():
        return (
            sorted(
                PortfolioMixByDimension.objects.values_list("business_date", "dimension", "value", "balance")
            ),
            sorted(
                PortfolioFlowByDimension.objects.values_list("day", "dimension", "value", "interest", "drawn")
            ),
        )

    before = state()
    services.run_monitoring(latest)
    services.run_monitoring(dates[1])
    assert state() == before


def test_the_migration_fills_the_rollups_of_dates_monitored_before_them(history):
    """Migration 0015 sums the rollups of the history already monitored from the full tables:
    exactly the rows the job writes."""
    import importlib

    migration = importlib.import_module("monitoring.migrations.0015_portfolio_rollups_by_dimension")

    def rows():
        return [
            sorted(tuple(v for k, v in sorted(row.items()) if k != "id") for row in model.objects.values())
            for model in (PortfolioMixByDimension, PortfolioFlowByDimension)
        ]

    written = rows()
    assert all(written)
    PortfolioMixByDimension.objects.all().delete()
    PortfolioFlowByDimension.objects.all().delete()

    with connection.cursor() as cursor:
        for statement in migration.FILL:
            cursor.execute(statement)

    assert rows() == written
