"""Collections for revolving credit lines (随借随还): a line whose statement minimum is unpaid past
its due date (days past due > 0, as `servicing.lines` keeps it) is collected like a loan.

`line_cases_sync` (called by `servicing.collections.cases_sync` for each closed date) opens one
active `CollectionCase` per overdue line (`credit_line` set, `loan` empty), keeps its bucket, days
past due and amount past due (the unpaid minimum and the penalty interest due) up to date, routes
it to its bucket's queue, escalates it at the same days past due as a loan's, and closes it when
the line is no longer past due (cured or closed). Promises to pay on a line's case are kept by the
line's repayments (`line_paid_between`). `line_dunning_candidates` gives `servicing.dunning` the
lines a step is due for: a reminder before the statement's due date while a minimum is unpaid,
then the past-due steps, once per line and anchor (`DunningNotice.credit_line`).

Idempotent like the loans' part: a date run twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from loanhub.money import quantize_money
from loanhub.transitions import lock, run_transition
from servicing.case_days import CaseDay, cases_track
from servicing.models import CreditLine, CreditLineTransaction
from servicing.models.collections import (
    ACTIVE_CASE_STATES,
    CollectionCase,
    DunningStep,
    PromiseStatus,
    PromiseToPay,
)
from servicing.models.lines import CreditLineStatus, CreditLineTransactionKind

ONE_DAY = dt.timedelta(days=1)
ZERO = Decimal("0.00")


def line_paid_between(line_id: int, first: dt.date, last: dt.date) -> Decimal:
    """What the line's repayments valued from `first` through `last` add up to."""
    return CreditLineTransaction.objects.filter(
        credit_line_id=line_id,
        kind=CreditLineTransactionKind.REPAYMENT,
        value_date__gte=first,
        value_date__lte=last,
    ).aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=DecimalField()))["total"]


def _overdue_lines():
    return CreditLine.objects.exclude(status=CreditLineStatus.CLOSED).filter(days_past_due__gt=0)


def line_cases_sync(*, business_date: dt.date, queues, loads) -> Counter:
    """Open, update and escalate the overdue lines' cases, and close those of lines no longer
    past due (see the module). `queues`, `loads`: the collectors of each bucket and their active
    cases, shared with the loans' part so routing balances both."""

    counts: Counter = Counter()
    today = business_date + ONE_DAY
    with transaction.atomic():
        lines = {
            pk: (dpd, bucket, quantize_money(minimum + penalty))
            for pk, dpd, bucket, minimum, penalty in _overdue_lines().values_list(
                "pk", "days_past_due", "delinquency_bucket", "minimum_due", "penalty_due"
            )
        }
        cases = {
            case.credit_line_id: case
            for case in CollectionCase.objects.select_for_update()
            .filter(credit_line_id__in=list(lines), status__in=ACTIVE_CASE_STATES)
            .order_by("pk")
        }
        cases_track(
            (
                (
                    cases.get(line_id),
                    {"credit_line_id": line_id},
                    CaseDay(dpd, bucket, amount, today, business_date),
                )
                for line_id, (dpd, bucket, amount) in sorted(lines.items())
            ),
            queues=queues,
            loads=loads,
            counts=counts,
        )
    cured = CollectionCase.objects.filter(status__in=ACTIVE_CASE_STATES, credit_line__isnull=False).filter(
        Q(credit_line__status=CreditLineStatus.CLOSED) | Q(credit_line__days_past_due=0)
    )
    for pk in cured.values_list("pk", flat=True):
        counts["cases_closed"] += int(_close_cured_line(pk, business_date))
    return counts


def _close_cured_line(pk: int, business_date: dt.date) -> bool:
    with transaction.atomic():
        case = lock(pk, model=CollectionCase)
        line = CreditLine.objects.only("status", "days_past_due").get(pk=case.credit_line_id)
        if not case.is_active or (line.status != CreditLineStatus.CLOSED and line.days_past_due > 0):
            return False

        def before(locked):
            locked.closed_on = business_date + ONE_DAY
            locked.days_past_due = 0
            locked.amount_overdue = ZERO
            locked.updated_for = business_date
            return {"line_status": line.status}

        run_transition(
            case,
            "close",
            actor=None,
            reason="cured" if line.status != CreditLineStatus.CLOSED else "closed",
            before=before,
            fields=("closed_on", "days_past_due", "amount_overdue", "updated_for"),
            locked=True,
        )
        PromiseToPay.objects.filter(case=case, status=PromiseStatus.PENDING).update(
            status=PromiseStatus.CANCELLED, resolved_on=business_date + ONE_DAY
        )
    return True


def line_dunning_candidates(step: DunningStep, today: dt.date) -> list[tuple[CreditLine, dt.date]]:
    """(line, anchor) pairs the step is due for on `today` (the open business date): a reminder
    while the last statement's minimum is unpaid and its due date is within the step's days; a
    past-due step from its days past due until the next step's, unless a promise to pay holds it."""
    lines = CreditLine.objects.exclude(status=CreditLineStatus.CLOSED).select_related("customer__user")
    if step.offset_days < 0:
        window = today + dt.timedelta(days=-step.offset_days)
        rows = lines.filter(days_past_due=0, minimum_due__gt=0, due_date__gt=today, due_date__lte=window)
        return [(line, line.due_date) for line in rows]
    later = (
        DunningStep.objects.filter(active=True, offset_days__gt=step.offset_days)
        .order_by("offset_days")
        .values_list("offset_days", flat=True)
        .first()
    )
    promised = PromiseToPay.objects.filter(status=PromiseStatus.PENDING, promised_date__gte=today)
    rows = lines.filter(days_past_due__gte=step.offset_days).exclude(
        pk__in=promised.filter(case__credit_line__isnull=False).values("case__credit_line_id")
    )
    if later is not None:
        rows = rows.filter(days_past_due__lt=later)
    return [(line, (line.position_date or today) - dt.timedelta(days=line.days_past_due)) for line in rows]
