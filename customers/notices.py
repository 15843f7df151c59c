"""The one way a business app tells a customer about an event of theirs (issue 15).

`customer_notify` runs after the caller's transaction commits (`transaction.on_commit`): nothing is
sent for a change that rolls back, and a message never names a row the reader cannot see yet. It
then reads the customer's addresses and language (`customer_language`) and hands the event to
`notifications.events.event_send`, which writes each channel once per `dedupe_key` and honours
the customer's channel preferences and quiet hours. `still_due` (optional) is asked again at that
moment, so an event undone before the commit (a payment reversed at once) sends nothing.
Amounts (`Decimal`, yuan) and dates in `context` are written in the customer's language.

A notice that cannot be sent (its template removed by an operator) is logged, never raised: the
business change it reports has already committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from customers.models import Customer
from customers.selectors import customer_language
from loanhub.formatting import cny_text, date_text

logger = logging.getLogger(__name__)


def _in_language(context: dict, language: str) -> dict:
    """Amounts (Decimal, in yuan) and dates written as the customer's language writes them."""
    written = {}
    for name, value in context.items():
        if isinstance(value, Decimal):
            value = cny_text(value, language=language)
        elif isinstance(value, dt.date):
            value = date_text(value, language=language)
        written[name] = value
    return written


def customer_notify_now(
    *, customer_id: int, event: str, template: str, dedupe_key: str, context: dict | None = None
) -> int:
    """Send the event to the customer now; returns how many messages were written."""
    from notifications.errors import NotificationInvalid
    from notifications.events import event_send

    customer = Customer.objects.select_related("user").filter(pk=customer_id).first()
    if customer is None:
        return 0
    language = customer_language(customer=customer)
    context = {"name": customer.legal_name, **_in_language(context or {}, language)}
    try:
        with transaction.atomic():
            messages = event_send(
                event=event,
                template=template,
                user=customer.user,
                dedupe_key=dedupe_key,
                context=context,
                language=language,
                email=customer.email,
                phone=customer.phone,
            )
    except NotificationInvalid:
        logger.error("notice %s: template %s is missing; nothing sent", dedupe_key, template)
        return 0
    return len(messages)


def customer_notify(
    *,
    customer_id: int,
    event: str,
    template: str,
    dedupe_key: str,
    context: dict | None = None,
    still_due: Callable[[], bool] | None = None,
) -> None:
    """Send the event to the customer once the current transaction commits (see the module)."""

    def send() -> None:
        if still_due is not None and not still_due():
            return
        customer_notify_now(
            customer_id=customer_id, event=event, template=template, dedupe_key=dedupe_key, context=context
        )

    transaction.on_commit(send)
