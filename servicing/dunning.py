"""Dunning (催收提醒): the collection messages of `DunningStep` (data: a reminder days before a due
date, then steps at days past due), sent through `notifications.services` once per loan (or
credit line: its statement's minimum, `servicing.collections_lines`, in the line's wording of
`servicing.dunning_defaults.LINE_TEMPLATES`) and anchor (the due date a
reminder is for, or the first day past due): the unique `DunningNotice` and the message's dedupe
key make a second run send nothing. A pending promise to pay holds the past-due steps until its
date. Called by `servicing.collections.collections_close_day`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction

from customers.selectors import customer_language
from loanhub import clock
from servicing.choices import LoanStatus
from servicing.models import Loan
from servicing.models.collections import DunningNotice, DunningStep, PromiseStatus, PromiseToPay

logger = logging.getLogger(__name__)
ONE_DAY = dt.timedelta(days=1)

__all__ = ("dunning_send",)


def _due_candidates(step: DunningStep, today: dt.date):
    """(loan, anchor) pairs the step is due for on `today` (the open business date)."""
    loans = Loan.objects.filter(status=LoanStatus.ACTIVE).select_related("customer__user")
    if step.offset_days < 0:
        # A reminder: the next installment falls due within the step's days and is not overdue.
        window = today + dt.timedelta(days=-step.offset_days)
        rows = loans.filter(
            days_past_due=0, next_due_date__gt=today, next_due_date__lte=window, next_due_amount__gt=0
        )
        return [(loan, loan.next_due_date) for loan in rows]
    # Past due: the loan is at least this many days past due and not yet at the next step.
    later = (
        DunningStep.objects.filter(active=True, offset_days__gt=step.offset_days)
        .order_by("offset_days")
        .values_list("offset_days", flat=True)
        .first()
    )
    # A pending promise to pay holds the past-due messages until its date (broken: they resume).
    promised = PromiseToPay.objects.filter(status=PromiseStatus.PENDING, promised_date__gte=today)
    rows = loans.filter(days_past_due__gte=step.offset_days).exclude(pk__in=promised.values("case__loan_id"))
    if later is not None:
        rows = rows.filter(days_past_due__lt=later)
    return [(loan, (loan.position_date or today) - dt.timedelta(days=loan.days_past_due)) for loan in rows]


def dunning_send(*, business_date: dt.date) -> dict[str, int]:
    """Send each active step to the loans and credit lines it is due for, once per account and
    anchor (a line's candidates: `servicing.collections_lines.line_dunning_candidates`)."""
    from servicing.collections_lines import line_dunning_candidates

    today = business_date + ONE_DAY
    sent = 0
    for step in DunningStep.objects.filter(active=True).order_by("offset_days"):
        for field, candidates in (
            ("loan", _due_candidates(step, today)),
            ("credit_line", line_dunning_candidates(step, today)),
        ):
            done = set(
                DunningNotice.objects.filter(
                    step=step, **{f"{field}_id__in": [account.pk for account, _a in candidates]}
                ).values_list(f"{field}_id", "anchor")
            )
            for account, anchor in candidates:
                if (account.pk, anchor) in done:
                    continue
                outcome = _send(step, field, account, anchor, business_date)
                if outcome is None:
                    return {"dunning_sent": sent}  # the step's template is missing
                sent += int(outcome)
    return {"dunning_sent": sent}


def _send(step: DunningStep, field: str, account, anchor: dt.date, business_date: dt.date) -> bool | None:
    """Send one notice for a loan or a line (`field`): True when sent, False when skipped (no
    address, or a concurrent run sent it), None when the template is missing."""
    from notifications import services as notifications
    from notifications.errors import NotificationInvalid
    from notifications.selectors import template_exists
    from servicing.dunning_defaults import line_template_key

    customer = account.customer
    address = {"portal": "", "sms": customer.phone, "email": customer.email}[step.channel]
    if step.channel != "portal" and not address:
        return False
    key = step.template_key
    if field == "loan":
        due_date, amount = account.next_due_date, account.next_due_amount
        dedupe = f"dunning:{account.pk}:{step.code}:{anchor.isoformat()}"
    else:
        due_date, amount = account.due_date, account.minimum_due + account.penalty_due
        dedupe = f"dunning:line:{account.pk}:{step.code}:{anchor.isoformat()}"
        # The line's own wording when the step has it, else the step's text (`loan` is the number).
        if template_exists(key=line_template_key(key)):
            key = line_template_key(key)
    context = {
        "name": customer.legal_name,
        "loan": account.number,
        "line": account.number,
        "due_date": due_date,
        "amount": amount,
        "days": account.days_past_due,
    }
    try:
        with transaction.atomic():
            notice = DunningNotice.objects.create(
                **{field: account},
                step=step,
                anchor=anchor,
                business_date=business_date,
                created_at=clock.now(),
            )
            message, _created = notifications.message_send_template(
                key=key,
                user=customer.user,
                channel=step.channel,
                dedupe_key=dedupe,
                context=context,
                address=address,
                language=customer_language(customer=customer),
                # SMS and e-mail wait out the quiet hours (close of business runs at night; no
                # collection message at night); the customer's channel choice holds.
                optional=step.channel != "portal",
            )
            notice.message_id = message.pk
            notice.save(update_fields=["message_id"])
    except IntegrityError:
        return False  # sent by a concurrent run
    except NotificationInvalid:
        logger.warning("dunning step %s: template %s is missing", step.code, step.template_key)
        return None
    return True
