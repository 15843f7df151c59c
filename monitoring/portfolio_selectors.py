"""Reads of the portfolio dashboard (`monitoring.admin_portfolio`), from the small aggregates only
(`PortfolioMix`, `PortfolioFlow`, their by-dimension rollups, the dates of `PortfolioTotal`),
never the loans.

Where the figures come from: with no filter or exactly one, the balance over time, the flows, the
yield and the filters' values are read from the rollups by one dimension
(`PortfolioMixByDimension`, `PortfolioFlowByDimension`: a few dozen rows a date, whatever the size
of the book), and the mix of the last date from its rollup (no filter) or from that one date's
`PortfolioMix` rows (one filter). With two filters or more, no rollup holds the combination: every
figure is summed from the full tables (`PortfolioMix` and `PortfolioFlow` over the range), as it
was before the rollups. The figures are the same either way (`full_tables=True` forces the full
tables; a test compares the two).

Yield (annualised): over the monitored dates D1 … Dn of the chosen range,

    yield = (interest + penalty interest + fees received + fees withheld at disbursement,
             on the days from D1 through Dn)
            ÷ (mean principal outstanding at the ends of D1 … Dn) × 365 ÷ (Dn − D1 + 1 days)

Interest and fees count when received (a cash yield): what a repayment's allocation put to
interest, penalty interest and fees on its value date, and the fees netted from the proceeds on
the disbursement date. The filters narrow both the numerator and the balance.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from monitoring.models import PortfolioTotal
from monitoring.portfolio_models import (
    FLOW_MEASURES,
    MIX_DIMENSIONS,
    WHOLE_BOOK,
    PortfolioFlow,
    PortfolioFlowByDimension,
    PortfolioMix,
    PortfolioMixByDimension,
)

ZERO = Decimal("0.00")
SHARE = Decimal("0.0001")
FILTERS = ("product", "customer_type", "region", "channel")
DEFAULT_DAYS = 365  # the range when none is chosen: the year to the last monitored date
NOT_GIVEN = "-"  # a filter's value for the loans without one (no region, no channel …)
# Past this span the flows are summed by month, within it by day.
DAILY_FLOWS_DAYS = 62
EARNED = ("interest", "penalty", "fees", "upfront_fees")


def portfolio_latest_date() -> dt.date | None:
    return PortfolioTotal.objects.order_by("-business_date").values_list("business_date", flat=True).first()


def portfolio_period(
    *, latest: dt.date, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The dates asked for, by default the year to the last monitored date (in order)."""
    end = end or latest
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    return (end, start) if start > end else (start, end)


def portfolio_filters(values: dict) -> dict[str, str | None]:
    """Filters from a form's or a query's values: absent or empty is no filter, NOT_GIVEN the
    loans without a value."""
    return {
        name: None if not values.get(name) else ("" if values[name] == NOT_GIVEN else values[name])
        for name in FILTERS
    }


def portfolio_filter_values(*, as_of: dt.date, full_tables: bool = False) -> dict[str, list[str]]:
    """The values each filter may take: the loans' on the book at `as_of` and the credit lines'
    with a draw or a repayment in the year to `as_of` (a line is in the flows only, so its channel,
    product … would otherwise not be offered); a few per dimension, one query each, from the
    rollups by dimension (`full_tables`: from `PortfolioMix` and `PortfolioFlow`)."""
    year = (as_of - dt.timedelta(days=DEFAULT_DAYS - 1), as_of)
    drawn_or_repaid = Q(line_draws__gt=0) | Q(line_repayments__gt=0)
    if full_tables:
        loans = PortfolioMix.objects.filter(business_date=as_of).order_by()
        lines = PortfolioFlow.objects.filter(day__range=year).filter(drawn_or_repaid).order_by()
        return {
            # UNION (not ALL): the database removes the duplicates.
            name: sorted(loans.values_list(name, flat=True).union(lines.values_list(name, flat=True)))
            for name in FILTERS
        }
    # A value's daily sum has a draw or a repayment exactly when one of its rows has one.
    values = {}
    for name in FILTERS:
        loans = PortfolioMixByDimension.objects.filter(business_date=as_of, dimension=name).order_by()
        lines = (
            PortfolioFlowByDimension.objects.filter(dimension=name, day__range=year)
            .filter(drawn_or_repaid)
            .order_by()
        )
        values[name] = sorted(
            loans.values_list("value", flat=True).union(lines.values_list("value", flat=True))
        )
    return values


def _narrowed(queryset: QuerySet, filters: dict[str, str]) -> QuerySet:
    return queryset.filter(**{name: value for name, value in filters.items() if value is not None})


def _sources(filters: dict[str, str | None], full_tables: bool) -> tuple[QuerySet, QuerySet, str | None]:
    """The book's rows by date and the flows' rows by day that the filters select (the rollup of
    the one filtered dimension, or of the whole book, where it holds them; else the full tables
    narrowed), and the rollup's dimension (None: the full tables)."""
    given = {name: value for name, value in filters.items() if value is not None}
    if full_tables or len(given) > 1:
        return (
            _narrowed(PortfolioMix.objects.all(), given),
            _narrowed(PortfolioFlow.objects.all(), given),
            None,
        )
    ((dimension, value),) = given.items() or [(WHOLE_BOOK, "")]
    return (
        PortfolioMixByDimension.objects.filter(dimension=dimension, value=value),
        PortfolioFlowByDimension.objects.filter(dimension=dimension, value=value),
        dimension,
    )


def _share(part: Decimal, total: Decimal) -> Decimal | None:
    return (part / total).quantize(SHARE, ROUND_HALF_UP) if total else None


def portfolio_view(
    *, start: dt.date, end: dt.date, filters: dict[str, str | None], full_tables: bool = False
) -> dict:
    """The dashboard's figures for the monitored dates in [start, end] and the filters
    (dimension → value; a value of "" is the empty one, None no filter). From the rollups by
    dimension with no filter or one; from the full tables with two or more, or `full_tables`
    (the same figures: see the module)."""
    dates = list(
        PortfolioTotal.objects.filter(business_date__range=(start, end))
        .order_by("business_date")
        .values_list("business_date", flat=True)
        .distinct()
    )
    book, flows, dimension = _sources(filters, full_tables)
    by_date = {
        row["business_date"]: row
        for row in book.filter(business_date__range=(start, end))
        .order_by()
        .values("business_date")
        .annotate(loans=Sum("loans"), balance=Sum("balance"))
    }
    series = [
        {
            "as_of": day,
            "loans": by_date.get(day, {}).get("loans") or 0,
            "balance": by_date.get(day, {}).get("balance") or ZERO,
        }
        for day in dates
    ]
    last = dates[-1] if dates else None
    return {
        "start": start,
        "end": end,
        "as_of": last,
        "series": series,
        "mix": _mix(last, filters, whole_book=dimension == WHOLE_BOOK) if last else {},
        "flows": _flows(flows, start, end),
        "yield": _yield(series, flows),
    }


def _mix(last: dt.date, filters: dict[str, str | None], *, whole_book: bool) -> dict[str, list[dict]]:
    """Per dimension: each value's loans, balance and share of the balance (largest first), on
    the last date: unfiltered from its rollup by dimension, else from its `PortfolioMix` rows."""
    rows = _narrowed(PortfolioMix.objects.filter(business_date=last), filters)
    mix = {}
    for name in MIX_DIMENSIONS:
        if whole_book:
            column, source = (
                "value",
                PortfolioMixByDimension.objects.filter(business_date=last, dimension=name),
            )
        else:
            column, source = name, rows
        parts = list(
            source.order_by()
            .values(column)
            .annotate(loans=Sum("loans"), balance=Sum("balance"))
            .order_by("-balance", column)
        )
        total = sum((part["balance"] for part in parts), ZERO)
        mix[name] = [
            {
                "key": part[column],
                "loans": part["loans"],
                "balance": part["balance"],
                "share": _share(part["balance"], total),
            }
            for part in parts
        ]
    return mix


def _flows(rows: QuerySet, start: dt.date, end: dt.date) -> dict:
    monthly = (end - start).days > DAILY_FLOWS_DAYS
    rows = rows.filter(day__range=(start, end)).order_by()
    rows = rows.values(period=TruncMonth("day") if monthly else F("day"))
    periods = list(rows.annotate(**{name: Sum(name) for name in FLOW_MEASURES}).order_by("period"))
    return {"monthly": monthly, "periods": periods}


def _yield(series: list[dict], flows: QuerySet) -> dict | None:
    if not series:
        return None
    first, last = series[0]["as_of"], series[-1]["as_of"]
    average = (sum((day["balance"] for day in series), ZERO) / len(series)).quantize(ZERO, ROUND_HALF_UP)
    sums = flows.filter(day__range=(first, last)).aggregate(**{name: Sum(name) for name in EARNED})
    earned = sum((sums[name] or ZERO for name in EARNED), ZERO)
    days = (last - first).days + 1
    value = (earned * 365 / (average * days)).quantize(SHARE, ROUND_HALF_UP) if average else None
    return {
        "first": first,
        "last": last,
        "days": days,
        "average_balance": average,
        "earned": earned,
        "yield": value,
    }
