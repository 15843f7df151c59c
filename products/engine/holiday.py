"""A spread payment holiday's interest (延期利息分摊) after the holiday: what the customer agreed to
pay stays owed whatever happens to the loan next.

`defer_installments_spread` adds the holiday's interest H to the installments after the holiday
in parts and records them on the schedule (`Schedule.deferred_interest`). The parts are not
principal, so re-amortising the balance (a partial prepayment, an LPR reset, another deferral)
would drop those not yet due. Instead each of them carries the parts of the rows not yet due
(`deferred_after`) and spreads them again over its new rows (`with_deferred`: equal parts rounded
down to the cent, the remainder on the last, as the holiday's own spread); a payoff quote owes
them in full (`engine.payoff_quote` adds them to the interest accrued).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext

from .money import ENGINE_CONTEXT, ZERO
from .schedule import Schedule
from .summary import _summarise

CENT = Decimal("0.01")


def spread_parts(total: Decimal, count: int) -> tuple[Decimal, ...]:
    """`total` in `count` parts: total / count rounded down to the cent, the last the remainder
    (never negative, adding up to `total` exactly)."""
    with localcontext(ENGINE_CONTEXT):
        part = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return (part,) * (count - 1) + (total - part * (count - 1),)


def deferred_after(schedule: Schedule, index: int) -> Decimal:
    """The holiday interest in the rows from `index` on (those not yet due)."""
    later = {row.due_date for row in schedule.rows[index:]}
    return sum((part for due, part in schedule.deferred_interest if due in later), ZERO)


def with_deferred(schedule: Schedule, carried: Decimal, *, start_index: int | None = None) -> Schedule:
    """`schedule` with `carried` holiday interest spread over its rows from `start_index` (default:
    after its grace rows, so nothing falls due inside a holiday), added to their interest and
    payment and recorded in `deferred_interest`."""
    if start_index is None:
        start_index = min(schedule.terms.grace_periods, len(schedule.rows) - 1)
    if carried <= 0 or start_index >= len(schedule.rows):
        return schedule
    targets = schedule.rows[start_index:]
    parts = spread_parts(carried, len(targets))
    rows = schedule.rows[:start_index] + tuple(
        row._replace(interest=row.interest + part, payment=row.payment + part)
        for row, part in zip(targets, parts, strict=True)
    )
    merged = dict(schedule.deferred_interest)
    for row, part in zip(targets, parts, strict=True):
        if part:
            merged[row.due_date] = merged.get(row.due_date, ZERO) + part
    total = schedule.summary.total_interest + carried
    return Schedule(
        terms=schedule.terms,
        rows=rows,
        summary=_summarise(schedule.terms, rows, False, total),
        deferred_interest=tuple(sorted(merged.items())),
    )
