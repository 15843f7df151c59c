"""The monitoring aggregates against examples computed by hand, and run twice for a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command

from loanhub import clock
from monitoring import selectors, services
from monitoring.models import DelinquencyOnset, PortfolioDay, RollRate, VintagePoint
from tests.monitoring.conftest import month_end, month_start, snap

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(make_loan):
    """Three loans at the end of yesterday: current/pass, 31-60/special mention, 91-180/substandard."""
    day = clock.today() - dt.timedelta(days=1)
    a = make_loan(region="北京")
    b = make_loan(region="北京")
    c = make_loan(region="上海")
    snap(a, day, "current", principal="1000.00", provision="10.00")
    snap(b, day, "31-60", principal="2000.00", overdue="300.00", provision="60.00")
    snap(c, day, "91-180", principal="500.00", overdue="200.00", provision="130.00", klass="substandard")
    return day


def test_portfolio_of_a_date_by_hand(book):
    services.run_monitoring(book)

    figures = selectors.portfolio_on(book)
    # Coverage 拨备覆盖率 = reserve ÷ non-performing (substandard + doubtful + loss) = 200 ÷ 500;
    # loan provision ratio 贷款拨备率 = reserve ÷ loans = 200 ÷ 3500 = 0.057142… → 0.0571.
    assert figures == {
        "as_of": book,
        "loans": 3,
        "balance": Decimal("3500.00"),
        "overdue": Decimal("500.00"),
        "buckets": {
            "current": Decimal("1000.00"),
            "1-30": Decimal("0.00"),
            "31-60": Decimal("2000.00"),
            "61-90": Decimal("0.00"),
            "91-180": Decimal("500.00"),
            "180+": Decimal("0.00"),
        },
        "classification": {
            "pass": Decimal("1000.00"),
            "special_mention": Decimal("2000.00"),
            "substandard": Decimal("500.00"),
            "doubtful": Decimal("0.00"),
            "loss": Decimal("0.00"),
        },
        "reserve": Decimal("200.00"),
        "provision_coverage_ratio": Decimal("0.4000"),
        "loan_provision_ratio": Decimal("0.0571"),
    }


def test_portfolio_rows_by_dimension(book):
    services.run_monitoring(book)

    rows = PortfolioDay.objects.filter(business_date=book)
    by_region = {r: sum(x.balance for x in rows if x.region == r) for r in ("北京", "上海")}
    assert by_region == {"北京": Decimal("3000.00"), "上海": Decimal("500.00")}
    assert {row.origination_month for row in rows} == {
        (clock.today() - relativedelta(years=1)).replace(day=1)
    }
    assert sum(row.loans for row in rows) == 3


def test_a_date_run_twice_writes_nothing_twice(book):
    services.run_monitoring(book)
    first = sorted(
        PortfolioDay.objects.values_list("product", "region", "delinquency_bucket", "loans", "balance")
    )

    call_command("run_monitoring", "--date", book.isoformat(), stdout=open("/dev/null", "w"))

    assert (
        sorted(
            PortfolioDay.objects.values_list("product", "region", "delinquency_bucket", "loans", "balance")
        )
        == first
    )
    assert PortfolioDay.objects.count() == 3
    assert DelinquencyOnset.objects.count() == 2  # b (40 dpd) and c (100 dpd), once each


def test_a_date_without_snapshots_has_no_figures(book):
    services.run_monitoring(book)

    assert selectors.portfolio_on(book - dt.timedelta(days=1)) is None


def test_roll_rates_by_hand(make_loan):
    """Last month: of three loans current at the end of the month before, two stay current and
    one rolls to 1-30; of two loans at 1-30, one rolls to 31-60 and one is paid off (closed).
    Shares by count: 2/3, 1/3; 1/2, 1/2."""
    start, end = month_end(2), month_end(1)
    a, b, c, d, e = (make_loan() for _ in range(5))
    for loan, before, after in (
        (a, "current", "current"),
        (b, "current", "1-30"),
        (e, "current", "current"),
        (c, "1-30", "31-60"),
        (d, "1-30", None),
    ):
        snap(loan, start, before)
        if after:
            snap(loan, end, after)

    services.run_monitoring(start)
    services.run_monitoring(end)
    services.run_monitoring(end)

    assert RollRate.objects.count() == 4
    assert selectors.roll_rates(month_start(1)) == {
        "month": month_start(1),
        "from_buckets": {
            "current": {"current": Decimal("0.6667"), "1-30": Decimal("0.3333")},
            "1-30": {"31-60": Decimal("0.5000"), "closed": Decimal("0.5000")},
        },
    }


def test_no_roll_rates_without_the_previous_month_end(make_loan):
    loan = make_loan()
    snap(loan, month_end(1), "current")

    services.run_monitoring(month_end(1))

    assert not RollRate.objects.exists()
    assert selectors.roll_rates(month_start(1)) is None


def test_vintage_curve_by_hand(make_loan):
    """Four loans disbursed in one month: one first 30+ past due 1 month 15 days after its
    disbursement (late within 2 months on book), one exactly 3 months after (within 3), two
    never. Cumulative shares: MOB 1 0, MOB 2 1/4, MOB 3 2/4, MOB 4 2/4."""
    vintage = month_start(8)
    first, third = make_loan(vintage), make_loan(vintage + dt.timedelta(days=9))
    make_loan(vintage + dt.timedelta(days=3))
    make_loan(vintage + dt.timedelta(days=20))
    late_first = vintage + relativedelta(months=1) + dt.timedelta(days=15)
    late_third = third.start_date + relativedelta(months=3)
    # Recorded out of order: the later date first, then an earlier one moves the onset back.
    snap(first, late_first + dt.timedelta(days=5), "31-60", dpd=35)
    services.onsets_record(as_of=late_first + dt.timedelta(days=5))
    snap(first, late_first, "31-60", dpd=30)
    services.onsets_record(as_of=late_first)
    snap(third, late_third, "31-60", dpd=31)
    services.onsets_record(as_of=late_third)
    month_last = vintage + relativedelta(months=1) - dt.timedelta(days=1)
    as_of = month_last + relativedelta(months=4)

    services.vintages_build(as_of=as_of)

    assert DelinquencyOnset.objects.get(loan_id=first.pk).first_dpd30 == late_first
    assert selectors.vintages() == [
        {
            "month": vintage,
            "points": [
                {"months_on_book": 1, "dpd30_share": Decimal("0.0000")},
                {"months_on_book": 2, "dpd30_share": Decimal("0.2500")},
                {"months_on_book": 3, "dpd30_share": Decimal("0.5000")},
                {"months_on_book": 4, "dpd30_share": Decimal("0.5000")},
            ],
        }
    ]


def test_vintages_of_an_earlier_date_do_not_replace_later_ones(make_loan):
    make_loan(month_start(6))
    services.vintages_build(as_of=clock.today())
    stored = VintagePoint.objects.count()

    assert services.vintages_build(as_of=clock.today() - dt.timedelta(days=40)) == 0
    assert VintagePoint.objects.count() == stored
    assert set(VintagePoint.objects.values_list("as_of", flat=True)) == {clock.today()}


@pytest.mark.parametrize(
    ("start", "day", "months"),
    [
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29), 1),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 28), 0),
        (dt.date(2024, 1, 31), dt.date(2024, 3, 31), 2),
        (dt.date(2023, 11, 15), dt.date(2024, 2, 15), 3),
        (dt.date(2023, 11, 15), dt.date(2024, 2, 14), 2),
    ],
)
def test_months_between(start, day, months):
    assert services.months_between(start, day) == months


def test_a_date_not_closed_changes_nothing(book, make_loan):
    services.run_monitoring(book)
    make_loan(month_start(3))
    stored = list(VintagePoint.objects.values_list("origination_month", "months_on_book", "loans"))

    result = services.run_monitoring(clock.today() + dt.timedelta(days=30))

    assert result["portfolio_rows"] == 0
    assert list(VintagePoint.objects.values_list("origination_month", "months_on_book", "loans")) == stored
    assert PortfolioDay.objects.count() == 3
