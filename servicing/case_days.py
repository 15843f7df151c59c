"""The daily part of collections that loans and credit lines share: a delinquent account's case
opened in its bucket's queue, or the open one moved to the day's figures, written in bulk with its
events and escalated (`servicing.collections` for loans, `servicing.collections_lines` for lines)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import NamedTuple

from servicing.models import CollectionCase, CollectionCaseEvent


class CaseDay(NamedTuple):  # a loan's or line's figures for the day its case is opened or moved at
    dpd: int
    bucket: str
    amount: Decimal
    today: dt.date
    business_date: dt.date


def cases_track(entries, *, queues, loads, counts: Counter) -> None:
    """The day's cases of loans or lines, in the caller's transaction: for each (open case or None,
    subject `{"loan_id": …}` or `{"credit_line_id": …}`, CaseDay), a case opened in its bucket's
    queue or the open one moved to the day; written in bulk with their events, then escalated."""
    from servicing.collections import _escalate, _escalation, _event, _open_cases

    changed, created, events = [], [], []
    for case, subject, day in entries:
        _track_case(case, subject, day, queues, loads, events, counts, changed, created)
    counts["cases_opened"] += _open_cases(created)
    events += [
        _event(case, "opened", {"bucket": case.bucket, "dpd": case.days_past_due}, "")
        for case in created
        if case.pk
    ]
    CollectionCaseEvent.objects.bulk_create(events)
    escalate = [case.pk for case in [*changed, *created] if case.pk and _escalation(case)]
    CollectionCase.objects.bulk_update(
        changed,
        [
            "bucket",
            "days_past_due",
            "max_days_past_due",
            "amount_overdue",
            "updated_for",
            "assigned_to",
            "assigned_at",
        ],
    )
    for pk in escalate:
        counts.update(_escalate(pk))


def _track_case(case, subject: dict, day: CaseDay, queues, loads, events, counts, changed, created) -> None:
    from servicing.collections import _event, _route

    if case is None:
        case = CollectionCase(
            **subject,
            bucket=day.bucket,
            days_past_due=day.dpd,
            max_days_past_due=day.dpd,
            amount_overdue=day.amount,
            opened_on=day.today,
            updated_for=day.business_date,
        )
        _route(case, queues, loads)
        created.append(case)
        return
    if case.updated_for > day.business_date:
        return  # a later date's run updated it already
    if case.bucket != day.bucket:
        events.append(_event(case, "bucket", {"from": case.bucket, "to": day.bucket}))
        counts["cases_moved"] += 1
        case.bucket = day.bucket
        _route(case, queues, loads)
    case.days_past_due = day.dpd
    case.max_days_past_due = max(case.max_days_past_due, day.dpd)
    case.amount_overdue = day.amount
    case.updated_for = day.business_date
    changed.append(case)
