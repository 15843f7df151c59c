"""Collections (催收): cases by delinquency bucket, promises to pay, the contact log, dunning and
escalation. Servicing owns it (ARCHITECTURE.md); messages go through `notifications.services`.

Close of business calls `collections_close_day` for each closed date (through the registry in
`servicing.hooks`, enqueued after the commit: `servicing.tasks.collections_close_day`). In order:

1. promises to pay: a pending promise is *kept* once the payments with value dates from the day it
   was made through its date reach its amount, and *broken* at the close of its date otherwise
   (a reversal of the payment that kept one undoes it: `promises_undo_for_reversal`);
2. cases: every active loan past due has one active case (opened on its first day past due), and
   so has every credit line with its statement minimum past due (`servicing.collections_lines`);
   its bucket, days past due and amount past due follow the loan's position (a bucket move is an
   event, and the case goes to the new bucket's queue); at `LOANHUB_COLLECTIONS_LEGAL_DPD` it is
   escalated to legal and at `LOANHUB_COLLECTIONS_WRITE_OFF_DPD` a write-off is proposed (the
   write-off itself is decided elsewhere); a loan no longer past due (cured, repaid, written off)
   closes its case, and its pending promises are cancelled;
3. dunning: each active `DunningStep` is sent once per loan and anchor (the due date a reminder
   is for, or the loan's first day past due): the unique `DunningNotice` and the message's
   dedupe key make a second run send nothing. A pending promise to pay holds the past-due steps
   until its date.

Every part is idempotent: running a date twice changes nothing. Officers' actions (assign, record
a promise or a contact) lock the case row; close of business's updates lock it too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.money import quantize_money
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import json_safe, lock, record_event, run_transition
from servicing import collections_lines, dunning
from servicing.case_days import CaseDay, cases_track
from servicing.choices import InstallmentStatus, LoanStatus, RepaymentStatus
from servicing.models import Loan, LoanInstallment, Repayment
from servicing.models.collections import (
    ACTIVE_CASE_STATES,
    CaseStatus,
    CollectionCase,
    CollectionCaseEvent,
    CollectionQueue,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
    PromiseStatus,
    PromiseToPay,
)
from servicing.rules import MAX_PAYMENT

logger = logging.getLogger(__name__)
ONE_DAY = dt.timedelta(days=1)
ZERO = Decimal("0.00")
CHUNK = 2000
MAX_NOTE = 2000
# A promise is for at most this many days ahead.
MAX_PROMISE_DAYS = 90

# The permissions of collections (officers hold them through `servicing.add_*`/`change_*`).
WORK_CASES = "servicing.change_collectioncase"
READ_CASES = "servicing.view_collectioncase"

__all__ = (
    "case_assign",
    "case_contact_record",
    "case_promise_record",
    "cases_for_actor",
    "collections_close_day",
    "may_read_cases",
    "may_see_personal_data",
    "may_work_cases",
    "promises_undo_for_reversal",
)


# --- who may do what --------------------------------------------------------------------------
def may_work_cases(user) -> bool:
    """Collectors: officers (Loan Officer, Senior Approver) who may change collection cases."""
    return may(user, WORK_CASES)


def may_read_cases(user) -> bool:
    """Staff who may view collection cases (collectors, and read-only: risk analysts and
    auditors, as `loanhub.roles` grants them), personal data masked for all but the case's
    collector. Customers, product managers and marketing never see cases."""
    return may(user, READ_CASES)


def may_see_personal_data(user, case: CollectionCase) -> bool:
    """The case's owner (its collector) reads notes and phone numbers as written; everyone else
    sees them masked (`customers.masking`)."""
    return bool(case.assigned_to_id) and getattr(user, "pk", None) == case.assigned_to_id


def cases_for_actor(actor, *, bucket: str | None = None, status: str | None = None, mine: bool = False):
    """Cases `actor` may read (all of them for staff who may view cases), filtered; Forbidden
    for anyone else (customers never see collection cases, not even their own)."""
    if not may_read_cases(actor):
        raise Forbidden(_("You may not see collection cases."))
    cases = CollectionCase.objects.select_related("loan__customer", "credit_line__customer", "assigned_to")
    if bucket:
        cases = cases.filter(bucket=bucket)
    if status == "active":
        cases = cases.filter(status__in=ACTIVE_CASE_STATES)
    elif status:
        cases = cases.filter(status=status)
    if mine:
        cases = cases.filter(assigned_to=actor)
    return cases.order_by("-days_past_due", "id")


def case_get_for_actor(*, case_id: int, actor) -> CollectionCase:
    if not may_read_cases(actor):
        raise Forbidden(_("You may not see collection cases."))
    case = cases_for_actor(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such collection case."))
    return case


def _worker_case(case: CollectionCase | int, actor) -> CollectionCase:
    """The active case locked for an officer's action (403 for a non-collector, 404, 409)."""
    if not may_work_cases(actor):
        raise Forbidden(_("Only collectors may work collection cases."))
    pk = case if isinstance(case, int) else case.pk
    try:
        row = lock(pk, model=CollectionCase)
    except CollectionCase.DoesNotExist:
        raise NotFound(_("No such collection case.")) from None
    if not row.is_active:
        raise Conflict(_("The case is closed."), state=row.status)
    return row


# --- officers' actions ------------------------------------------------------------------------
def case_assign(*, case: CollectionCase | int, collector_id: int | None, actor) -> CollectionCase:
    """Give the case to a collector (None: unassign)."""
    if not may_work_cases(actor):
        raise Forbidden(_("Only collectors may work collection cases."))
    collector = None
    if collector_id is not None:
        collector = get_user_model().objects.filter(pk=collector_id, is_active=True).first()
        if collector is None or not may_work_cases(collector):
            raise Invalid({"collector": [_("Choose an active collector.")]})
    with transaction.atomic():
        row = _worker_case(case, actor)
        previous = row.assigned_to_id
        if previous == getattr(collector, "pk", None):
            return row
        row.assigned_to = collector
        row.assigned_at = clock.now() if collector is not None else None
        row.save(update_fields=["assigned_to", "assigned_at"])
        record_event(
            row,
            actor=actor,
            reason="assigned",
            payload={"from": previous, "to": getattr(collector, "pk", None)},
        )
    return row


def case_promise_record(
    *, case: CollectionCase | int, amount: Decimal, promised_date: dt.date, actor
) -> PromiseToPay:
    """Record the customer's promise to pay `amount` by `promised_date` (today at the earliest:
    servicing's open business date)."""
    from servicing.calendar import open_business_date

    today = open_business_date()
    errors = {}
    if amount is None or amount <= 0 or amount > MAX_PAYMENT:
        errors["amount"] = [_("Give an amount above zero.")]
    elif quantize_money(amount) != amount:
        errors["amount"] = [_("Give the amount in yuan and fen (two decimals at most).")]
    if promised_date is None or promised_date < today:
        errors["date"] = [_("The date may not be in the past.")]
    elif promised_date > today + dt.timedelta(days=MAX_PROMISE_DAYS):
        errors["date"] = [_("A promise is for at most %(days)s days ahead.") % {"days": MAX_PROMISE_DAYS}]
    if not may_work_cases(actor):
        raise Forbidden(_("Only collectors may work collection cases."))
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        row = _worker_case(case, actor)
        if row.promises.filter(status=PromiseStatus.PENDING).exists():
            raise Conflict(_("The case has a pending promise to pay already."), state="pending_promise")
        promise = PromiseToPay.objects.create(
            case=row,
            amount=amount,
            promised_date=promised_date,
            made_on=today,
            created_by=actor,
            created_at=clock.now(),
        )
        record_event(
            row,
            actor=actor,
            reason="promise to pay",
            payload={"promise": promise.pk, "amount": amount, "date": promised_date},
        )
    return promise


def case_contact_record(
    *, case: CollectionCase | int, channel: str, outcome: str, note: str, actor
) -> ContactAttempt:
    """Log a contact with the customer (or an attempt)."""
    errors = {}
    if channel not in ContactChannel.values:
        errors["channel"] = [_("Choose one of the contact channels.")]
    if outcome not in ContactOutcome.values:
        errors["outcome"] = [_("Choose one of the contact outcomes.")]
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = [_("A note has at most %(n)s characters.") % {"n": MAX_NOTE}]
    if not may_work_cases(actor):
        raise Forbidden(_("Only collectors may work collection cases."))
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        row = _worker_case(case, actor)
        return ContactAttempt.objects.create(
            case=row, channel=channel, outcome=outcome, note=note, contacted_at=clock.now(), created_by=actor
        )


# --- close of business ------------------------------------------------------------------------
def cob_finished(*, business_date: dt.date) -> None:
    """servicing.hooks: a date is closed; its collections run after the commit."""
    if not settings.LOANHUB_COLLECTIONS_AFTER_COB:
        return
    from loanhub.celery import enqueue_on_commit
    from servicing import tasks

    enqueue_on_commit(tasks.collections_close_day, business_date.isoformat())


def collections_close_day(*, business_date: dt.date) -> dict[str, int]:
    """Everything collections does for a closed date (see the module); idempotent."""
    counts: Counter = Counter()
    counts.update(promises_evaluate(business_date=business_date))
    counts.update(cases_sync(business_date=business_date))
    counts.update(dunning.dunning_send(business_date=business_date))
    logger.info("collections for %s: %s", business_date, dict(counts))
    return dict(counts)


def _paid_between(loan_id: int, first: dt.date, last: dt.date) -> Decimal:
    return Repayment.objects.filter(
        loan_id=loan_id, status=RepaymentStatus.POSTED, value_date__gte=first, value_date__lte=last
    ).aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=DecimalField()))["total"]


def promises_evaluate(*, business_date: dt.date) -> dict[str, int]:
    """Keep or break the pending promises (after the close of `business_date`)."""
    kept = broken = 0
    pending = list(
        PromiseToPay.objects.filter(status=PromiseStatus.PENDING, made_on__lte=business_date).values_list(
            "pk", flat=True
        )
    )
    for pk in pending:
        with transaction.atomic():
            promise = PromiseToPay.objects.select_for_update(of=("self",)).select_related("case").get(pk=pk)
            if promise.status != PromiseStatus.PENDING:
                continue
            last = min(business_date, promise.promised_date)
            if promise.case.credit_line_id:
                paid = collections_lines.line_paid_between(promise.case.credit_line_id, promise.made_on, last)
            else:
                paid = _paid_between(promise.case.loan_id, promise.made_on, last)
            promise.paid = paid
            if promise.paid >= promise.amount:
                promise.status, kept = PromiseStatus.KEPT, kept + 1
            elif business_date >= promise.promised_date:
                promise.status, broken = PromiseStatus.BROKEN, broken + 1
            else:
                promise.save(update_fields=["paid"])
                continue
            promise.resolved_on = business_date + ONE_DAY if promise.status == PromiseStatus.BROKEN else last
            promise.save(update_fields=["paid", "status", "resolved_on"])
            record_event(
                promise.case,
                actor=None,
                reason=coded("svc.promise_resolved", status=promise.status),
                payload={"promise": promise.pk, "amount": promise.amount, "paid": promise.paid},
            )
    return {"promises_kept": kept, "promises_broken": broken}


def promises_undo_for_reversal(*, repayment: Repayment) -> int:
    """A reversed payment un-keeps the promises it kept (called in the reversal's transaction).

    Each kept promise of the loan whose window (`made_on` through `resolved_on`) holds the
    payment's value date is counted again without it. Still reached: kept. Short: back to pending
    while its date is not closed yet (and no later promise is pending on the case), otherwise
    broken from the open business date, so the held dunning steps resume. Returns how many moved.
    """
    from servicing.calendar import open_business_date

    today = open_business_date()
    kept = PromiseToPay.objects.select_for_update(of=("self",)).select_related("case")
    kept = kept.filter(
        case__loan_id=repayment.loan_id,
        status=PromiseStatus.KEPT,
        made_on__lte=repayment.value_date,
        resolved_on__gte=repayment.value_date,
    )
    moved = 0
    for promise in kept.order_by("pk"):
        promise.paid = _paid_between(repayment.loan_id, promise.made_on, promise.resolved_on)
        if promise.paid >= promise.amount:
            promise.save(update_fields=["paid"])
            continue
        other_pending = promise.case.promises.filter(status=PromiseStatus.PENDING).exists()
        if today - ONE_DAY < promise.promised_date and not other_pending:
            promise.status, promise.resolved_on = PromiseStatus.PENDING, None
        else:
            promise.status, promise.resolved_on = PromiseStatus.BROKEN, today
        promise.save(update_fields=["paid", "status", "resolved_on"])
        record_event(
            promise.case,
            actor=None,
            reason=coded("svc.promise_reversed", status=promise.status),
            payload={"promise": promise.pk, "repayment": repayment.pk, "paid": promise.paid},
        )
        moved += 1
    return moved


def _amounts_past_due(loan_ids: list[int]) -> dict[int, Decimal]:
    """What is past due on each loan: the unpaid part of its overdue installments and the penalty."""
    unpaid = (
        LoanInstallment.objects.filter(loan_id__in=loan_ids, status=InstallmentStatus.OVERDUE)
        .values("loan_id")
        .annotate(total=Sum(F("payment") - F("paid_principal") - F("paid_interest") - F("paid_fees")))
        .values_list("loan_id", "total")
    )
    return {loan_id: total or ZERO for loan_id, total in unpaid}


def _queues() -> dict[str, list[int]]:
    members: dict[str, list[int]] = {}
    for bucket, user_id in CollectionQueue.objects.filter(collectors__is_active=True).values_list(
        "bucket", "collectors"
    ):
        members.setdefault(bucket, []).append(user_id)
    return members


def _loads() -> Counter:
    return Counter(
        dict(
            CollectionCase.objects.filter(status__in=ACTIVE_CASE_STATES, assigned_to__isnull=False)
            .values_list("assigned_to")
            .annotate(n=Count("id"))
            .values_list("assigned_to", "n")
        )
    )


def _route(case: CollectionCase, queues: dict[str, list[int]], loads: Counter) -> bool:
    """Give the case to its bucket queue's least loaded collector unless it is theirs already."""
    collectors = queues.get(case.bucket)
    if not collectors or case.assigned_to_id in collectors:
        return False
    chosen = min(collectors, key=lambda pk: (loads[pk], pk))
    if case.assigned_to_id:
        loads[case.assigned_to_id] -= 1
    loads[chosen] += 1
    case.assigned_to_id = chosen
    case.assigned_at = clock.now()
    return True


def _escalation(case: CollectionCase) -> str | None:
    if case.days_past_due >= settings.LOANHUB_COLLECTIONS_WRITE_OFF_DPD and case.status in (
        CaseStatus.OPEN,
        CaseStatus.LEGAL,
    ):
        return "propose_write_off"
    if case.days_past_due >= settings.LOANHUB_COLLECTIONS_LEGAL_DPD and case.status == CaseStatus.OPEN:
        return "escalate_to_legal"
    return None


def cases_sync(*, business_date: dt.date) -> dict[str, int]:
    """Open, update, escalate and close cases from the loans' positions."""
    counts: Counter = Counter()
    queues, loads = _queues(), _loads()
    delinquent = list(
        Loan.objects.filter(status=LoanStatus.ACTIVE, days_past_due__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(delinquent), CHUNK):
        counts.update(_sync_chunk(delinquent[start : start + CHUNK], business_date, queues, loads))
    counts.update(collections_lines.line_cases_sync(business_date=business_date, queues=queues, loads=loads))
    # Cases whose loan is no longer past due: cured, repaid or written off.
    cured = list(
        CollectionCase.objects.filter(status__in=ACTIVE_CASE_STATES, loan__isnull=False)
        .filter(~Q(loan__status=LoanStatus.ACTIVE) | Q(loan__days_past_due=0))
        .values_list("pk", flat=True)
    )
    for pk in cured:
        counts["cases_closed"] += int(_close_cured(pk, business_date))
    return dict(counts)


def _sync_chunk(loan_ids, business_date, queues, loads) -> Counter:
    counts: Counter = Counter()
    today = business_date + ONE_DAY
    with transaction.atomic():
        loans = {
            pk: (dpd, bucket, penalty)
            for pk, dpd, bucket, penalty in Loan.objects.filter(pk__in=loan_ids).values_list(
                "pk", "days_past_due", "delinquency_bucket", "penalty_due"
            )
        }
        past_due = _amounts_past_due(loan_ids)
        cases = {
            case.loan_id: case
            for case in CollectionCase.objects.select_for_update()
            .filter(loan_id__in=loan_ids, status__in=ACTIVE_CASE_STATES)
            .order_by("pk")
        }
        cases_track(
            (
                (
                    cases.get(loan_id),
                    {"loan_id": loan_id},
                    CaseDay(
                        dpd,
                        bucket,
                        quantize_money(past_due.get(loan_id, ZERO) + penalty),
                        today,
                        business_date,
                    ),
                )
                for loan_id, (dpd, bucket, penalty) in loans.items()
            ),
            queues=queues,
            loads=loads,
            counts=counts,
        )
    return counts


def _event(case: CollectionCase, reason: str, payload: dict, from_state: str | None = None):
    """An unsaved system event row of the case (written in bulk with the chunk's others)."""
    return CollectionCaseEvent(
        case=case,
        actor=None,
        from_state=case.status if from_state is None else from_state,
        to_state=case.status,
        reason=reason,
        payload=json_safe(payload),
    )


def _open_cases(created: list[CollectionCase]) -> int:
    """Insert the new cases in one statement; when a concurrent run opened one of them first (the
    one-active-case constraint), one by one, skipping those."""
    if not created:
        return 0
    try:
        with transaction.atomic():
            CollectionCase.objects.bulk_create(created)
        return len(created)
    except IntegrityError:
        for case in created:
            case.pk = None
    opened = 0
    for case in created:
        try:
            with transaction.atomic():
                case.save()
            opened += 1
        except IntegrityError:
            case.pk = None
    return opened


def _escalate(pk: int) -> Counter:
    counts: Counter = Counter()
    while True:
        case = CollectionCase.objects.get(pk=pk)
        name = _escalation(case)
        if name is None:
            return counts
        dpd = case.days_past_due

        def before(locked, name=name, dpd=dpd):
            if name == "propose_write_off":
                locked.write_off_proposed = True
            return {"dpd": dpd}

        run_transition(
            pk,
            name,
            model=CollectionCase,
            actor=None,
            reason=coded("svc.days_past_due", dpd=dpd),
            before=before,
            fields=("write_off_proposed",),
        )
        counts["cases_legal" if name == "escalate_to_legal" else "cases_write_off_proposed"] += 1


def _close_cured(pk: int, business_date: dt.date) -> bool:
    with transaction.atomic():
        case = lock(pk, model=CollectionCase)
        loan = Loan.objects.only("status", "days_past_due").get(pk=case.loan_id)
        if not case.is_active or (loan.status == LoanStatus.ACTIVE and loan.days_past_due > 0):
            return False
        reason = "cured" if loan.status == LoanStatus.ACTIVE else loan.status

        def before(locked):
            locked.closed_on = business_date + ONE_DAY
            locked.days_past_due = 0
            locked.amount_overdue = ZERO
            locked.updated_for = business_date
            return {"loan_status": loan.status}

        run_transition(
            case,
            "close",
            actor=None,
            reason=reason,
            before=before,
            fields=("closed_on", "days_past_due", "amount_overdue", "updated_for"),
            locked=True,
        )
        PromiseToPay.objects.filter(case=case, status=PromiseStatus.PENDING).update(
            status=PromiseStatus.CANCELLED, resolved_on=business_date + ONE_DAY
        )
    return True
