"""Approval rate and score distribution over time: the scoring engine's credit decisions
counted per decision month, product, outcome and grade (`DecisionMonth`), read from risk's
decisions through `risk.selectors.decisions_by_month` (one GROUP BY over their time index).

A run for a date recounts each month from the previous one through the date, replacing its rows:
a month is counted through its last day once it is over, and through the date while it runs
(`through`). Recounting the previous month picks up decisions made on its last day after that
day's close of business. A month already counted further (by a later date) is left as it is, so
a date run out of order never shrinks a later count, and a date run twice writes the same rows
once. The first run (nothing stored before the previous month) counts every month since the
first decision.

What is counted is the engine's outcome (approve, refer to manual review, decline), not what an
officer later made of a referral: the model's approval rate, as model monitoring asks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from monitoring.models import DecisionMonth
from risk import selectors as risk


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def product_code(product_ref: str) -> str:
    """The product code of a request's product version reference ("CODE:vN")."""
    return (product_ref or "").partition(":")[0]


def month_last(month: dt.date) -> dt.date:
    return month + relativedelta(months=1) - dt.timedelta(days=1)


def stale_months(model, *, as_of: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(month, through) of the months from the previous one (or the first decision's) through
    `as_of` that `model` (a monthly decision count with `month` and `through`) has not counted
    further already (see the module)."""
    this_month = as_of.replace(day=1)
    start = this_month - relativedelta(months=1)
    if not model.objects.filter(month__lt=start).exists():
        first = risk.first_decision_at()
        if first is not None:
            start = min(start, timezone.localtime(first).date().replace(day=1))
    stale = []
    month = start
    while month <= this_month:
        through = min(month_last(month), as_of)
        if not model.objects.filter(month=month, through__gt=through).exists():
            stale.append((month, through))
        month += relativedelta(months=1)
    return stale


def decision_window(stale: list[tuple[dt.date, dt.date]], as_of: dt.date) -> dict:
    """The `since`/`until` of risk's monthly decision selectors covering the stale months."""
    return {"since": day_start(stale[0][0]), "until": day_start(as_of + dt.timedelta(days=1))}


def decision_months_build(*, as_of: dt.date) -> int:
    """Recount the months from the previous one (or the first decision's) through `as_of` that
    are not counted further already (see the module); the number of rows written."""
    stale = stale_months(DecisionMonth, as_of=as_of)
    if not stale:
        return 0
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    rows = risk.decisions_by_month(**decision_window(stale, as_of))
    wanted = dict(stale)
    for row in rows:
        if row["month"] not in wanted:
            continue
        key = (row["month"], product_code(row["request__product_ref"]), row["outcome"], row["grade"])
        counts[key][0] += row["decisions"]
        counts[key][1] += row["score_sum"] or 0
    DecisionMonth.objects.filter(month__in=list(wanted)).delete()
    DecisionMonth.objects.bulk_create(
        [
            DecisionMonth(
                month=month,
                product=product,
                outcome=outcome,
                grade=grade,
                decisions=decisions,
                score_sum=score_sum,
                through=wanted[month],
            )
            for (month, product, outcome, grade), (decisions, score_sum) in sorted(counts.items())
        ]
    )
    return len(counts)
