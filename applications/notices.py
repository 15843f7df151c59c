"""The customer's messages about their application (issue 15; notifications.events): decided
(approved, declined, referred) and offer about to expire. Each is sent once per event (its dedupe
key) after the change commits (`customers.notices.customer_notify`); the wording is customer-safe
(a decision never names its reasons)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from applications.models import LoanApplication, State
from customers.notices import customer_notify

DECIDED_TEMPLATES = {
    State.APPROVED: "application-approved",
    State.DECLINED: "application-declined",
    State.REFERRED: "application-referred",
}


def application_decided(application: LoanApplication) -> None:
    """After a move into approved, declined or referred (applications.services.base._move)."""
    template = DECIDED_TEMPLATES.get(application.state)
    if template is None:
        return
    customer_notify(
        customer_id=application.customer_id,
        event="application_decided",
        template=template,
        dedupe_key=f"application-decided:{application.pk}:{application.state}",
        context={
            "application": str(application),
            "amount": application.offer_amount or application.max_amount or application.amount,
            "term": application.offer_term or application.max_term or application.term,
            "expires": application.offer_expires_at,
        },
    )


def offers_notify_expiring(*, now: dt.datetime) -> int:
    """Beat: tell each customer whose approved offer expires within
    LOANHUB_OFFER_EXPIRY_NOTICE_DAYS; once per offer (its expiry is in the key). Returns how many
    notices were asked for (a repeated run asks again and sends nothing)."""
    horizon = now + dt.timedelta(days=settings.LOANHUB_OFFER_EXPIRY_NOTICE_DAYS)
    rows = LoanApplication.objects.filter(
        state=State.APPROVED, offer_expires_at__gt=now, offer_expires_at__lte=horizon
    ).values_list("pk", "customer_id", "offer_expires_at")
    count = 0
    for pk, customer_id, expires in rows.iterator():
        customer_notify(
            customer_id=customer_id,
            event="offer_expiring",
            template="offer-expiring",
            dedupe_key=f"offer-expiring:{pk}:{expires:%Y%m%d%H%M%S}",
            context={"application": f"A{pk:08d}", "expires": expires},
            still_due=lambda pk=pk, expires=expires: LoanApplication.objects.filter(
                pk=pk, state=State.APPROVED, offer_expires_at=expires
            ).exists(),
        )
        count += 1
    return count
