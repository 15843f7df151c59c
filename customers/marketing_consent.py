"""Marketing consent (PIPL arts. 14-16, 24; Advertising Law art. 43): given or withdrawn per
channel and purpose by the customer, and the signed one-click unsubscribe of every message.

The consents are `customers.Consent` rows with their versioned wording (`customers.consents`);
a withdrawal keeps the row, giving again adds one, so the history shows what was agreed when.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from customers.errors import CustomerPermissionError, CustomerValidationError
from customers.models import MARKETING_CONSENTS, Customer
from customers.services import consent_record, consent_withdraw
from loanhub.permissions import is_user

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "customers.marketing-unsubscribe"


def marketing_consent_set(*, customer: Customer, actor, choices: Mapping[str, bool]) -> dict[str, bool]:
    """Give or withdraw the marketing consents named in `choices` (email, sms, portal,
    personalised_recommendations); only the customer themself may. Returns every flag after."""
    from customers.selectors import marketing_consent_get

    if not is_user(actor, customer.user_id):
        raise CustomerPermissionError(_("Only the customer may change their marketing consent."))
    unknown = sorted(set(choices) - set(MARKETING_CONSENTS))
    if unknown:
        raise CustomerValidationError({name: [_("Unknown consent.")] for name in unknown})
    with transaction.atomic():
        for name, given in choices.items():
            if given:
                consent_record(customer=customer, kind=MARKETING_CONSENTS[name])
            else:
                consent_withdraw(customer=customer, kind=MARKETING_CONSENTS[name])
    return marketing_consent_get(customer=customer)


def marketing_unsubscribe_token(*, customer: Customer, channel: str) -> str:
    """A signed token for the one-click unsubscribe link of a message on `channel`."""
    return signing.dumps({"c": customer.pk, "k": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def marketing_unsubscribe(*, token: str) -> tuple[Customer, str]:
    """Withdraw the marketing consent a signed unsubscribe token names, at once (no sign-in:
    the signature is the proof). Returns (customer, channel). A bad token is a validation error.
    The links never expire: an old message must still unsubscribe."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        customer = Customer.objects.get(pk=int(data["c"]))
        kind = MARKETING_CONSENTS[data["k"]]
    except (signing.BadSignature, KeyError, TypeError, ValueError, Customer.DoesNotExist) as exc:
        raise CustomerValidationError({"token": [_("This unsubscribe link is not valid.")]}) from exc
    consent_withdraw(customer=customer, kind=kind)
    logger.info("marketing unsubscribe customer=%s channel=%s", customer, data["k"])
    return customer, data["k"]
