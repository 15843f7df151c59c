"""The portfolio dashboard's aggregates, rebuilt by `run_monitoring` (through
`services.portfolio_day_build`) for a closed business date:

- `channels_record`: the channel of every loan disbursed by the date that has none recorded yet,
  read from `applications` (a loan keeps only its origin reference); recorded once, never changed;
- `mix_build`: the date's `PortfolioMix`, its `PortfolioDay` rows summed over grade, origination
  month, bucket, class and stage (one INSERT … SELECT), and those summed again by one dimension
  at a time and for the whole book (`PortfolioMixByDimension`, one INSERT … SELECT each);
- `flows_build`: the `PortfolioFlow` rows of every day after the previous monitored date through
  this one (the whole history when there is none): loans disbursed and posted repayments by value
  date, and the credit lines' draws and repayments by value date (their channel is their
  application's, looked up by origin as the loans' is). With daily closes that is the one day;
  with month-end runs (the demo's history) the month. The days' rows are replaced, so a date run
  twice writes nothing twice; so are their sums by one dimension (`PortfolioFlowByDimension`).

Migration `monitoring.0015` summed the rollups of the dates monitored before they existed from
their full tables; `manage.py run_monitoring --since` rebuilds past dates, their rollups with them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from applications import selectors as applications
from monitoring.models import PortfolioDay, PortfolioTotal
from monitoring.portfolio_models import (
    FLOW_MEASURES,
    MIX_DIMENSIONS,
    ROLLUP_DIMENSIONS,
    LoanChannel,
    PortfolioFlow,
    PortfolioFlowByDimension,
    PortfolioMix,
    PortfolioMixByDimension,
)
from monitoring.sql import ZERO_MONEY, aliased, insert_select
from servicing import selectors as servicing

CHUNK = 5000
_MIX_MEASURES = ("loans", "balance", "overdue")


def channel_of(loan_id_path: str):
    """The recorded channel of the loan at `loan_id_path` ("" when none), for a grouped query."""
    recorded = LoanChannel.objects.filter(loan_id=OuterRef(loan_id_path)).values("channel")[:1]
    return Coalesce(Subquery(recorded), Value(""))


def channels_record(*, through: dt.date) -> int:
    """Record the channel of the loans disbursed by `through` that have none; the number added."""
    missing = (
        servicing.loans_disbursed_through(through)
        .exclude(pk__in=Subquery(LoanChannel.objects.values("loan_id")))
        .values_list("pk", "origin_ref")
    )
    added, batch = 0, []
    for row in missing.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) == CHUNK:
            added += _record(batch)
            batch = []
    return added + (_record(batch) if batch else 0)


def _record(batch: list[tuple[int, str]]) -> int:
    channels = applications.channels_by_origin(origin_refs=[ref for _pk, ref in batch])
    rows = [LoanChannel(loan_id=pk, channel=channels.get(ref, "")) for pk, ref in batch]
    # A concurrent run may have recorded some of them: theirs stand (the same channel).
    LoanChannel.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def mix_build(*, as_of: dt.date) -> int:
    """Replace the date's PortfolioMix rows from its PortfolioDay rows; the number written."""
    PortfolioMix.objects.filter(business_date=as_of).delete()
    rows = aliased(
        PortfolioDay.objects.filter(business_date=as_of),
        {name: F(name) for name in ("business_date", *MIX_DIMENSIONS)},
        {"loans": Sum("loans"), "balance": Sum("balance"), "overdue": Sum("overdue")},
    )
    written = insert_select(PortfolioMix, rows, ["business_date", *MIX_DIMENSIONS, *_MIX_MEASURES])
    PortfolioMixByDimension.objects.filter(business_date=as_of).delete()
    rollup_by_dimension(
        PortfolioMixByDimension,
        PortfolioMix.objects.filter(business_date=as_of),
        "business_date",
        _MIX_MEASURES,
    )
    return written


def rollup_by_dimension(model, rows: QuerySet, date: str, measures: tuple[str, ...]) -> None:
    """Insert into `model` the sums of `rows` per `date` and value of each dimension, and per
    `date` alone for the whole book (dimension and value ""): one INSERT … SELECT each."""
    for name in ROLLUP_DIMENSIONS:
        grouped = aliased(
            rows,
            {date: F(date), "dimension": Value(name), "value": F(name) if name else Value("")},
            {measure: Sum(measure) for measure in measures},
        )
        insert_select(model, grouped, [date, "dimension", "value", *measures])


def _dimensions(loan: str) -> dict:
    """The flow dimensions of a queryset whose loan is at `loan` ("" for loans themselves)."""
    prefix = f"{loan}__" if loan else ""
    return {
        "product": F(f"{prefix}product_version__product__code"),
        "customer_type": F(f"{prefix}customer__customer_type"),
        "channel": channel_of("loan_id" if loan else "pk"),
        "region": F(f"{prefix}customer__region"),
        "industry": F(f"{prefix}customer__industry"),
    }


def _window_start(as_of: dt.date) -> dt.date | None:
    previous = (
        PortfolioTotal.objects.filter(business_date__lt=as_of)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    return previous + dt.timedelta(days=1) if previous else None


_LINE_DIMENSIONS = {
    "product": F("credit_line__product_version__product__code"),
    "customer_type": F("credit_line__customer__customer_type"),
    "region": F("credit_line__customer__region"),
    "industry": F("credit_line__customer__industry"),
    # The channel is the line's application's: grouped by origin here, looked up below.
    "origin": F("credit_line__origin_ref"),
}


def _line_flows(cells: dict[tuple, dict], *, as_of: dt.date, since: dt.date | None) -> None:
    """Add the credit lines' draws and repayments valued in the window to `cells` (day and
    dimensions → measures): one GROUP BY each over the lines' transactions."""
    window = {"value_date__lte": as_of, **({"value_date__gte": since} if since else {})}
    draws = aliased(
        servicing.credit_line_draws().filter(**window),
        {"day": F("value_date"), **_LINE_DIMENSIONS},
        {"line_draws": Count("pk"), "drawn": Coalesce(Sum("amount"), ZERO_MONEY)},
    )
    repaid = aliased(
        servicing.credit_line_repayments().filter(**window),
        {"day": F("value_date"), **_LINE_DIMENSIONS},
        {
            "line_repayments": Count("pk"),
            "line_principal": Coalesce(Sum("principal"), ZERO_MONEY),
            "line_interest": Coalesce(Sum("interest"), ZERO_MONEY),
            "line_penalty": Coalesce(Sum("penalty"), ZERO_MONEY),
        },
    )
    rows = [row for query in (draws, repaid) for row in query.iterator(chunk_size=CHUNK)]
    origins = sorted({row["m_origin"] for row in rows})
    channels: dict[str, str] = {}
    for start in range(0, len(origins), CHUNK):
        channels.update(applications.channels_by_origin(origin_refs=origins[start : start + CHUNK]))
    for row in rows:
        dims = {name: row[f"m_{name}"] or "" for name in MIX_DIMENSIONS if name != "channel"}
        dims["channel"] = channels.get(row["m_origin"], "")
        cell = cells[(row["m_day"], *(dims[name] for name in MIX_DIMENSIONS))]
        for name in FLOW_MEASURES:
            if f"m_{name}" in row:
                cell[name] = cell.get(name, 0) + row[f"m_{name}"]


def flows_build(*, as_of: dt.date, since: dt.date | None = None) -> int:
    """Replace the PortfolioFlow rows of the days from `since` (default: the day after the
    previous monitored date, or the beginning) through `as_of`; the number written."""
    since = since or _window_start(as_of)
    days = {"day__lte": as_of, **({"day__gte": since} if since else {})}
    PortfolioFlow.objects.filter(**days).delete()
    loans = servicing.loans_disbursed_through(as_of)
    repayments = servicing.repayments_posted().filter(value_date__lte=as_of)
    if since:
        loans, repayments = loans.filter(start_date__gte=since), repayments.filter(value_date__gte=since)
    cells: dict[tuple, dict] = defaultdict(dict)
    disbursed = aliased(
        loans,
        {"day": F("start_date"), **_dimensions("")},
        {
            "disbursed_loans": Count("pk"),
            "disbursed": Coalesce(Sum("principal"), ZERO_MONEY),
            "upfront_fees": Coalesce(Sum(F("principal") - F("net_proceeds")), ZERO_MONEY),
        },
    )
    repaid = aliased(
        repayments,
        {"day": F("value_date"), **_dimensions("loan")},
        {
            "repayments": Count("pk"),
            **{
                name: Coalesce(Sum(name), ZERO_MONEY) for name in ("principal", "interest", "penalty", "fees")
            },
        },
    )
    for query in (disbursed, repaid):
        for row in query.iterator(chunk_size=CHUNK):
            key = (row["m_day"], *(row[f"m_{name}"] or "" for name in MIX_DIMENSIONS))
            cells[key].update({name: row[f"m_{name}"] for name in FLOW_MEASURES if f"m_{name}" in row})
    _line_flows(cells, as_of=as_of, since=since)
    flows = [
        PortfolioFlow(day=key[0], **dict(zip(MIX_DIMENSIONS, key[1:], strict=True)), **cell)
        for key, cell in cells.items()
    ]
    PortfolioFlow.objects.bulk_create(flows, batch_size=2000)
    PortfolioFlowByDimension.objects.filter(**days).delete()
    rollup_by_dimension(PortfolioFlowByDimension, PortfolioFlow.objects.filter(**days), "day", FLOW_MEASURES)
    return len(flows)
