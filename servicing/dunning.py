"""Dunning (催收提醒): the collection messages of `DunningStep` (data: a reminder days before a due
date, then steps at days past due), sent through `notifications.services` once per loan and
anchor (the due date a reminder is for, or the loan's first day past due): the unique
`DunningNotice` and the message's dedupe key make a second run send nothing. A pending promise to
pay holds the past-due steps until its date. Called by `servicing.collections.collections_close_day`.
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
    """Send each active step to the loans it is due for, once per loan and anchor."""
    from notifications import services as notifications
    from notifications.errors import NotificationInvalid

    today = business_date + ONE_DAY
    sent = 0
    for step in DunningStep.objects.filter(active=True).order_by("offset_days"):
        candidates = _due_candidates(step, today)
        done = set(
            DunningNotice.objects.filter(
                step=step, loan_id__in=[loan.pk for loan, _a in candidates]
            ).values_list("loan_id", "anchor")
        )
        for loan, anchor in candidates:
            if (loan.pk, anchor) in done:
                continue
            customer = loan.customer
            address = {"portal": "", "sms": customer.phone, "email": customer.email}[step.channel]
            if step.channel != "portal" and not address:
                continue
            context = {
                "name": customer.legal_name,
                "loan": loan.number,
                "due_date": loan.next_due_date,
                "amount": loan.next_due_amount,
                "days": loan.days_past_due,
            }
            try:
                with transaction.atomic():
                    notice = DunningNotice.objects.create(
                        loan=loan,
                        step=step,
                        anchor=anchor,
                        business_date=business_date,
                        created_at=clock.now(),
                    )
                    message, _created = notifications.message_send_template(
                        key=step.template_key,
                        user=customer.user,
                        channel=step.channel,
                        dedupe_key=f"dunning:{loan.pk}:{step.code}:{anchor.isoformat()}",
                        context=context,
                        address=address,
                        language=customer_language(customer=customer),
                        # SMS and e-mail wait out the quiet hours (close of business runs at night;
                        # no collection message at night); the customer's channel choice holds.
                        optional=step.channel != "portal",
                    )
                    notice.message_id = message.pk
                    notice.save(update_fields=["message_id"])
            except IntegrityError:
                continue  # sent by a concurrent run
            except NotificationInvalid:
                logger.warning("dunning step %s: template %s is missing", step.code, step.template_key)
                break
            sent += 1
    return {"dunning_sent": sent}
