"""Service messages for the events of a customer's application and loan (issue 15), sent on the
customer's channels with their preferences and quiet hours, each event once.

Business apps name an event and its template (zh-hans and en, `MessageTemplate` rows seeded by
`notifications/migrations/0003_event_templates.py` and later data migrations) and give the
recipient's addresses and language; this module knows none of those apps. `event_send` writes one
message per channel of the event (`EVENT_CHANNELS`), keyed `<dedupe_key>:<channel>`, so asking
again for the same event sends nothing more:

- the portal inbox always gets the message (it is the customer's record of the event);
- e-mail and SMS go out only to an address the customer has and on a channel their preference
  leaves on, and wait out the quiet hours (they are sent `optional`: `services.message_deliver`
  holds them and the beat task `release_held` sends them when the hours end).

Which events, and where they are sent from:

| event | template(s) | sent by |
|---|---|---|
| application decided | application-approved / -declined / -referred | applications (`notices`) |
| offer about to expire | offer-expiring | applications (beat `notify_expiring_offers`) |
| accepted offer lapsed | acceptance-expired | applications (beat `expire_acceptances`) |
| payment due in 3 days | collections-reminder | servicing.dunning, step `reminder-3` |
| payment received | payment-received, line-payment-received | servicing (`notices`, a repayment posted) |
| overdue (day 1) | collections-overdue | servicing.dunning, step `overdue-1` |
| rate reset | rate_reset | servicing.rate_resets |
| warning contact | warning-contact | monitoring (an early warning moved to contacted) |
"""

from __future__ import annotations

from notifications import services
from notifications.models import Channel, Message

# The channels each event is written to (the portal first; push channels as the customer allows).
EVENT_CHANNELS: dict[str, tuple[str, ...]] = {
    "application_decided": (Channel.PORTAL, Channel.EMAIL, Channel.SMS),
    "offer_expiring": (Channel.PORTAL, Channel.SMS),
    "acceptance_expired": (Channel.PORTAL, Channel.SMS),
    "payment_received": (Channel.PORTAL, Channel.SMS),
    "warning_contact": (Channel.PORTAL, Channel.SMS),
}


def event_send(
    *,
    event: str,
    template: str,
    user,
    dedupe_key: str,
    context: dict,
    language: str,
    email: str = "",
    phone: str = "",
) -> list[Message]:
    """Write (and, after commit, deliver) the event's messages; returns those created now.

    Raises `NotificationInvalid` for an unknown template. Repeating a call with the same
    `dedupe_key` creates nothing.
    """
    created = []
    address_of = {Channel.PORTAL: "", Channel.EMAIL: email, Channel.SMS: phone}
    for channel in EVENT_CHANNELS[event]:
        address = address_of[channel]
        if channel != Channel.PORTAL and not address:
            continue
        message, new = services.message_send_template(
            key=template,
            language=language,
            user=user,
            channel=channel,
            dedupe_key=f"{dedupe_key}:{channel}",
            context=context,
            address=address,
            optional=channel != Channel.PORTAL,
        )
        if new:
            created.append(message)
    return created
