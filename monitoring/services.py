"""Monitoring jobs: after close of business, rebuild the aggregates of a business date.

`run_monitoring(as_of)` replaces, in one transaction,

- the date's `PortfolioDay` rows: one INSERT … SELECT … GROUP BY over the date's loan snapshots
  (the same statement on PostgreSQL and SQLite, compiled from the ORM), and their per-date rollups
  `PortfolioTotal` (by bucket, class and stage) and `PortfolioMix` (by product, segment, channel,
  region, industry) that the dashboards read; the days' disbursements and repayments since the
  previous monitored date (`PortfolioFlow`, `monitoring.portfolio`); both again by one dimension
  at a time (`PortfolioMixByDimension`, `PortfolioFlowByDimension`);
- the loans' first day at 30+ days past due (`DelinquencyOnset`), from the date's snapshots;
- when `as_of` is a month end, that month's roll rates: each loan's bucket at the previous
  month end against its bucket at this one (`closed` when it has left the book paid off,
  `written_off` when written off by the month end) — the cure rates are read from them — and,
  the same way, its five-tier class migration (`ClassificationMigration`);
- the decisions of the month so far and of the previous month by product, outcome and grade
  (`monitoring.approvals`: approval rate and score distribution over time), and by score band
  (`monitoring.score_bands`);
- the vintage curves as of `as_of` (unless a later date's are already stored);
- each active concentration limit's exposure (`monitoring.concentration`);
- the maturity ladder of contractual inflows (`monitoring.liquidity`);
- the scorecards' PSI, the champion's calibration by grade and its Gini/KS on matured loans
  (`monitoring.model_monitoring`);
- the day's early-warning signals, opening or updating warnings (`monitoring.early_warning`),
  unless `warnings=False`.

A date run twice writes the same rows once; `run_monitoring_backfill` runs a range of closed
dates again, oldest first (`manage.py run_monitoring --since …`), rebuilding the aggregates only:
the early-warning queue is the officers' working state, not an aggregate, so only the last closed
date (what the nightly job would build anyway) has its warnings built. Servicing calls `cob_finished` (through
`servicing.hooks`) when a run is done, and that enqueues the task after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from loanhub.celery import enqueue_on_commit
from monitoring import (
    approvals,
    concentration,
    early_warning,
    liquidity,
    model_monitoring,
    portfolio,
    score_bands,
)
from monitoring.models import (
    ClassificationMigration,
    DelinquencyOnset,
    PortfolioDay,
    PortfolioTotal,
    RollRate,
    VintagePoint,
)
from monitoring.sql import ZERO_MONEY
from monitoring.sql import aliased as _aliased
from monitoring.sql import insert_select as _insert_select
from servicing import selectors as servicing

DPD30 = 30

# PortfolioDay column ← expression over a LoanSnapshot (aliases prefixed: no clash with fields).
_DIMENSIONS = {
    "business_date": F("business_date"),
    "product": F("loan__product_version__product__code"),
    "category": F("loan__product_version__category"),
    "customer_type": F("loan__customer__customer_type"),
    "region": F("loan__customer__region"),
    "channel": portfolio.channel_of("loan_id"),
    "industry": F("loan__customer__industry"),
    "risk_grade": F("loan__risk_grade"),
    "origination_month": TruncMonth("loan__start_date"),
    "delinquency_bucket": F("delinquency_bucket"),
    "classification": F("classification"),
    "ifrs9_stage": F("ifrs9_stage"),
}
_MEASURES = {
    "loans": Count("pk"),
    "balance": Coalesce(Sum("principal_outstanding"), ZERO_MONEY),
    "overdue": Coalesce(Sum("overdue_amount"), ZERO_MONEY),
    "reserve": Coalesce(Sum("provision"), ZERO_MONEY),
}


_TOTAL_DIMENSIONS = ("business_date", "delinquency_bucket", "classification", "ifrs9_stage")


def portfolio_day_build(*, as_of: dt.date) -> int:
    """Replace the date's PortfolioDay rows from its snapshots, and its PortfolioTotal rollup
    from those; the number of PortfolioDay rows written."""
    portfolio.channels_record(through=as_of)
    PortfolioDay.objects.filter(business_date=as_of).delete()
    PortfolioTotal.objects.filter(business_date=as_of).delete()
    rows = _aliased(servicing.snapshots_on(as_of), _DIMENSIONS, _MEASURES)
    written = _insert_select(PortfolioDay, rows, [*_DIMENSIONS, *_MEASURES])
    totals = _aliased(
        PortfolioDay.objects.filter(business_date=as_of),
        {name: F(name) for name in _TOTAL_DIMENSIONS},
        {name: Sum(name) for name in _MEASURES},
    )
    _insert_select(PortfolioTotal, totals, [*_TOTAL_DIMENSIONS, *_MEASURES])
    portfolio.mix_build(as_of=as_of)
    portfolio.flows_build(as_of=as_of)
    return written


def onsets_record(*, as_of: dt.date) -> None:
    """Loans at 30+ days past due on the date: a first onset is recorded, and an onset recorded
    for a later date (dates run out of order) moves back to this one."""
    late = servicing.snapshots_on(as_of).filter(days_past_due__gte=DPD30)
    DelinquencyOnset.objects.filter(
        loan_id__in=Subquery(late.values("loan_id")), first_dpd30__gt=as_of
    ).update(first_dpd30=as_of)
    new = late.exclude(loan_id__in=Subquery(DelinquencyOnset.objects.values("loan_id")))
    _insert_select(
        DelinquencyOnset,
        _aliased(
            new,
            {
                "loan_id": F("loan_id"),
                "start_date": F("loan__start_date"),
                "first_dpd30": F("business_date"),
                "risk_grade": F("loan__risk_grade"),
            },
            {},
        ),
        ["loan_id", "start_date", "first_dpd30", "risk_grade"],
    )


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def _month_transitions(model, *, month_end: dt.date, field: str, source: str, target: str) -> int:
    """Replace the month's rows of `model`: every loan on the book at the previous month end, from
    its snapshot's `field` then to its `field` at `month_end`, or off the book — `written_off`
    when it was written off on or before `month_end`, else `closed` (paid off; a payment that
    closed it and was reversed after the month end still closed it then). Nothing when either
    end has no snapshots (the month is not closed, or the previous one was not)."""
    month = month_end.replace(day=1)
    previous_end = month - dt.timedelta(days=1)
    model.objects.filter(month=month).delete()
    start, end = servicing.snapshots_on(previous_end), servicing.snapshots_on(month_end)
    if not (start.exists() and end.exists()):
        return 0
    later = end.filter(loan_id=OuterRef("loan_id")).values(field)[:1]
    left = Case(
        When(loan__written_off_on__lte=month_end, then=Value(RollRate.WRITTEN_OFF)),
        default=Value(RollRate.CLOSED),
    )
    rows = _aliased(
        start,
        {"month": Value(month), source: F(field), target: Coalesce(Subquery(later), left)},
        {"loans": Count("pk"), "balance": Coalesce(Sum("principal_outstanding"), ZERO_MONEY)},
    )
    return _insert_select(model, rows, ["month", source, target, "loans", "balance"])


def roll_rates_build(*, month_end: dt.date) -> int:
    """Replace the month's roll rates: delinquency bucket at the previous month end → bucket at
    `month_end` (or off the book), per loan."""
    return _month_transitions(
        RollRate, month_end=month_end, field="delinquency_bucket", source="from_bucket", target="to_bucket"
    )


def classification_migration_build(*, month_end: dt.date) -> int:
    """Replace the month's five-tier class migration: class at the previous month end → class at
    `month_end` (or off the book), per loan."""
    return _month_transitions(
        ClassificationMigration,
        month_end=month_end,
        field="classification",
        source="from_class",
        target="to_class",
    )


def months_between(start: dt.date, day: dt.date) -> int:
    """Whole months from `start` to `day`: the months on book of a loan disbursed on `start`
    at `day` (start + n months ≤ day; month ends clamp, 31 Jan + 1 month = 28/29 Feb)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    if start + relativedelta(months=months) > day:
        months -= 1
    return months


def vintages_build(*, as_of: dt.date) -> int:
    """Replace the vintage curves with those as of `as_of`, unless a later date's are stored.

    For each origination month m and each k ≥ 1 for which every loan of m has been on the book
    k months by `as_of` (the month's last day + k months ≤ as_of): of the loans disbursed in m,
    how many were first 30+ days past due within k months on book (cumulative)."""
    latest = VintagePoint.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    if latest is not None and latest > as_of:
        return 0
    disbursed = dict(
        servicing.loans_disbursed_through(as_of)
        .annotate(month=TruncMonth("start_date"))
        .values_list("month")
        .annotate(loans=Count("pk"))
        .order_by("month")
    )
    first_late: dict[dt.date, Counter] = defaultdict(Counter)
    onsets = DelinquencyOnset.objects.filter(first_dpd30__lte=as_of).values_list("start_date", "first_dpd30")
    for start, onset in onsets.iterator():
        # On book k months at start + k months: late by k when onset ≤ start + k months.
        k = months_between(start, onset)
        if start + relativedelta(months=k) < onset:
            k += 1
        first_late[start.replace(day=1)][max(k, 1)] += 1
    points = []
    for month, loans in sorted(disbursed.items()):
        month_last = month + relativedelta(months=1) - dt.timedelta(days=1)
        reached = months_between(month_last, as_of)
        late = 0
        for k in range(1, reached + 1):
            late += first_late[month][k]
            points.append(
                VintagePoint(
                    as_of=as_of, origination_month=month, months_on_book=k, loans=loans, loans_dpd30=late
                )
            )
    VintagePoint.objects.all().delete()
    VintagePoint.objects.bulk_create(points, batch_size=2000)
    return len(points)


def run_monitoring(as_of: dt.date, *, warnings: bool = True) -> dict:
    """Rebuild every aggregate of a closed business date (see the module) and, unless `warnings`
    is False, open or update the date's early warnings; idempotent. `warnings_built` says which."""
    if not servicing.snapshots_on(as_of).exists():
        # Not closed (or nothing on the book): nothing to aggregate, and the curves stay as
        # they were rather than being drawn as of a date nobody has seen.
        return {
            "as_of": as_of,
            "portfolio_rows": 0,
            "roll_rates": 0,
            "classification_migrations": 0,
            "decision_months": 0,
            "score_bands": 0,
            "vintage_points": 0,
            "concentration_limits": 0,
            "liquidity_rows": 0,
            "stability_rows": 0,
            "calibration_grades": 0,
            "warnings_opened": 0,
            "warnings_updated": 0,
            "warnings_built": False,
        }
    with transaction.atomic():
        rows = portfolio_day_build(as_of=as_of)
        onsets_record(as_of=as_of)
        rolls = roll_rates_build(month_end=as_of) if is_month_end(as_of) else 0
        migrations = classification_migration_build(month_end=as_of) if is_month_end(as_of) else 0
        decided = approvals.decision_months_build(as_of=as_of)
        banded = score_bands.score_bands_build(as_of=as_of)
        vintages = vintages_build(as_of=as_of)
        exposures = concentration.exposures_build(as_of=as_of)
        ladder = liquidity.ladder_build(as_of=as_of)
        stability = model_monitoring.stability_build(as_of=as_of)
        calibration = model_monitoring.calibration_build(as_of=as_of)
        model_monitoring.discrimination_build(as_of=as_of)
        built = early_warning.early_warnings_build(as_of=as_of) if warnings else {"opened": 0, "updated": 0}
    return {
        "as_of": as_of,
        "portfolio_rows": rows,
        "roll_rates": rolls,
        "classification_migrations": migrations,
        "decision_months": decided,
        "score_bands": banded,
        "vintage_points": vintages,
        "concentration_limits": exposures,
        "liquidity_rows": ladder,
        "stability_rows": stability,
        "calibration_grades": calibration,
        "warnings_opened": built["opened"],
        "warnings_updated": built["updated"],
        "warnings_built": warnings,
    }


def run_monitoring_backfill(*, since: dt.date, until: dt.date) -> Iterator[dict]:
    """Rebuild the aggregates (`run_monitoring`) of every closed business date from `since`
    through `until`, oldest first, one transaction per date, yielding each date's result as it is
    done: the aggregates added after a date was first monitored (channel and industry, the mix and
    the flows with the credit lines, score bands, cures and class migration) reach the past dates.
    In order, because a date's flows start the day after the previous monitored date; a date run
    again replaces its rows, so a backfill interrupted or repeated writes nothing twice.

    Early warnings are not aggregates: a warning is opened on the day its signals are seen and then
    worked by officers (acknowledged, contacted, closed with an outcome). Built again as of a past
    date, the build would open warnings "raised" on a day nobody saw them (for a loan whose warning
    was closed long since, or that never reached the queue then), read from data as it is now. So
    the warnings are built only for the last closed business date (when `until` reaches it: the
    build the nightly job ran, idempotent), never for an earlier date; the existing warnings of
    the past dates are left as they are."""
    latest = servicing.last_closed_business_date()
    for day in servicing.closed_business_dates(since=since, until=until):
        yield run_monitoring(day, warnings=day == latest)


def cob_finished(*, business_date: dt.date) -> None:
    """servicing.hooks: a business date is closed; its monitoring runs after the commit."""
    if not settings.LOANHUB_MONITORING_AFTER_COB:
        return
    from monitoring import tasks

    enqueue_on_commit(tasks.run_monitoring, business_date.isoformat())
