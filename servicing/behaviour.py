"""A customer's repayment behaviour with us, read in grouped queries whatever the number of customers.

One definition of "paid on time" for every user (marketing's segments and behaviour tags, the
limit-growth rule in servicing.limits): an installment is paid on time when it was settled in full
on or before its due date plus the loan's overdue grace days (the contract: a payment inside the
grace days is not late). Paid on the last grace day is on time; a day later is late.

The behaviour tags are catalogue segments (products.choices.Segment), so a promotion can target
them and the one pricing path applies it (servicing.selectors.customer_segments_now):

* `loyal`: on-time ratio at least 0.95 and at least 12 months on book;
* `repeat_borrower`: two loans or more opened;
* `lapsed`: every loan closed, the last more than 6 months ago, nothing held now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, DateField, ExpressionWrapper, F, Q

from products.choices import Segment
from servicing.models import LoanInstallment

BEHAVIOUR_TAGS = (Segment.LOYAL, Segment.REPEAT_BORROWER, Segment.LAPSED)
LOYAL_ON_TIME_RATIO = Decimal("0.95")
LOYAL_MONTHS_ON_BOOK = 12
REPEAT_LOANS = 2
LAPSED_MONTHS = 6


@dataclass(frozen=True)
class Punctuality:
    """Conditions on LoanInstallment rows, as of a date: `counted` (due so far: its due date is
    before the date and it is settled or past its grace days; one still inside its grace days and
    unpaid is neither late nor on time yet), `on_time` and `late` (counted and not on time)."""

    counted: Q
    on_time: Q
    late: Q


def punctuality(installments, *, as_of: dt.date) -> Punctuality:
    """The one on-time definition for `installments` (a LoanInstallment queryset). One query reads
    the grace days in use: the grace is a column of the loan, so each value gets its own condition
    (the conditions stay plain date comparisons)."""
    graces = sorted(
        set(installments.order_by().values_list("loan__overdue_grace_days", flat=True).distinct())
    )
    settled = Q(paid_on__isnull=False, paid_on__lte=as_of)
    counted, on_time, late = Q(), Q(), Q()
    for grace in graces or [0]:  # no installment: conditions over nothing, still valid SQL
        window_end = ExpressionWrapper(F("due_date") + dt.timedelta(days=grace), output_field=DateField())
        of_grace = Q(loan__overdue_grace_days=grace)
        past_grace = Q(due_date__lt=as_of - dt.timedelta(days=grace))
        counted |= of_grace & (settled | past_grace)
        on_time |= of_grace & settled & Q(paid_on__lte=window_end)
        late |= of_grace & ((settled & Q(paid_on__gt=window_end)) | (~settled & past_grace))
    return Punctuality(counted=counted, on_time=on_time, late=late)


def customer_on_time_counts(*, customers, as_of: dt.date) -> dict[int, tuple[int, int]]:
    """customer id → (installments due so far, of them paid on time) over the customer's loans, as
    each loan's last replay stands (a reversed payment takes its installment out again), by
    `punctuality`. Customers without such an installment are absent. Two queries."""
    installments = LoanInstallment.objects.filter(loan__customer_id__in=customers, due_date__lt=as_of)
    rule = punctuality(installments, as_of=as_of)
    rows = (
        installments.filter(rule.counted)
        .order_by()
        .values("loan__customer_id")
        .annotate(due=Count("id"), on_time=Count("id", filter=rule.on_time))
        .values_list("loan__customer_id", "due", "on_time")
    )
    return {cid: (due, paid) for cid, due, paid in rows}


def customers_loyal(*, customers, as_of: dt.date) -> set[int]:
    """The ids (of `customers`) with an on-time ratio of at least 0.95 and 12 months on book."""
    from servicing.selectors import customer_months_on_book

    months = customer_months_on_book(customers=customers, as_of=as_of)
    counts = customer_on_time_counts(customers=customers, as_of=as_of)
    return {
        cid
        for cid, (due, on_time) in counts.items()
        if due and on_time >= LOYAL_ON_TIME_RATIO * due and months.get(cid, 0) >= LOYAL_MONTHS_ON_BOOK
    }


def customer_behaviour_tags(*, customers, as_of: dt.date, tags=BEHAVIOUR_TAGS) -> dict[str, set[int]]:
    """For each behaviour tag asked (`tags`), the ids of `customers` (ids or a `values("pk")`
    subquery) that carry it. A few grouped queries, whatever the number of customers."""
    from customers.models import Customer
    from servicing.selectors import customers_lapsed, customers_with_loans

    found: dict[str, set[int]] = {}
    among = Customer.objects.filter(pk__in=customers)
    if Segment.LOYAL in tags:
        found[Segment.LOYAL] = customers_loyal(customers=customers, as_of=as_of)
    if Segment.REPEAT_BORROWER in tags:
        repeat = among.filter(pk__in=customers_with_loans(min_loans=REPEAT_LOANS))
        found[Segment.REPEAT_BORROWER] = set(repeat.values_list("pk", flat=True))
    if Segment.LAPSED in tags:
        closed_before = as_of - relativedelta(months=LAPSED_MONTHS)
        lapsed = among.filter(pk__in=customers_lapsed(closed_before=closed_before))
        found[Segment.LAPSED] = set(lapsed.values_list("pk", flat=True))
    return found


def customers_behaviour_segments(*, customer_ids, as_of: dt.date) -> dict[int, frozenset[str]]:
    """customer id → their behaviour tags, for many customers at once (a campaign's recipients):
    the same grouped queries as for one. Customers without a tag map to an empty set."""
    ids = list(customer_ids)
    tagged: dict[int, set[str]] = {cid: set() for cid in ids}
    for tag, holders in customer_behaviour_tags(customers=ids, as_of=as_of).items():
        for cid in holders:
            tagged[cid].add(tag)
    return {cid: frozenset(tags) for cid, tags in tagged.items()}


def customer_behaviour_segments(*, customer_id: int, as_of: dt.date) -> frozenset[str]:
    """One customer's behaviour tags (for a quote or an offer)."""
    return customers_behaviour_segments(customer_ids=[customer_id], as_of=as_of)[customer_id]
