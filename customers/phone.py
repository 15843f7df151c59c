"""Phone verification by a one-time code sent by SMS.

The customer asks for a code (`phone_code_send`), which is sent to their phone through the
notifications SMS backend (the console by default) and types it back (`phone_code_verify`).
A code is six random digits, kept only as a keyed hash, valid for CODE_TTL, refused after
MAX_ATTEMPTS wrong tries and compared in constant time; a new code may be asked for after
RESEND_AFTER, at most MAX_SENDS_PER_HOUR an hour, and replaces the previous one. The phone number
is never logged (log lines name the customer as `C0000042`) nor stored with the code: the code
row keeps a keyed hash of the number, so a changed number is simply not verified
(`phone_is_verified`).

The SMS is sent after the transaction commits and not through the notifications log, whose
rows keep the message text: the code must not be stored readable.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import override

from customers.errors import CustomerValidationError
from customers.models import Customer, PhoneCode
from loanhub import clock

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_SENDS_PER_HOUR = 5
_KEY_SALT = "loanhub.customers.phone"


def _digest(*parts: object) -> str:
    return salted_hmac(_KEY_SALT, ":".join(str(p) for p in parts), algorithm="sha256").hexdigest()


def phone_digest(customer: Customer) -> str:
    return _digest("phone", customer.pk, customer.phone)


def _code_digest(code_row_customer_id: int, phone_hash: str, code: str) -> str:
    return _digest("code", code_row_customer_id, phone_hash, code)


def phone_is_verified(*, customer: Customer) -> bool:
    """Whether the customer's current phone number was proven with a code."""
    if not customer.phone:
        return False
    return PhoneCode.objects.filter(
        customer=customer, phone_digest=phone_digest(customer), verified_at__isnull=False
    ).exists()


def _sms_text(code: str, language: str) -> str:
    with override(language):
        return _(
            "LoanHub: your verification code is %(code)s. It expires in %(minutes)s minutes. "
            "Never tell it to anyone, not even our staff."
        ) % {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)}


def phone_code_send(*, customer: Customer, actor, language: str = "zh-hans") -> PhoneCode:
    """Send a new code to the customer's phone (replacing any earlier one); field errors when the
    number is already verified or a code was sent too recently."""
    if actor is None or actor.pk != customer.user_id:
        raise CustomerValidationError({"phone": [_("Only the customer may verify their phone.")]})
    now = clock.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if not locked.phone:
            raise CustomerValidationError({"phone": [_("Enter a mobile phone number first.")]})
        if phone_is_verified(customer=locked):
            raise CustomerValidationError({"phone": [_("Your phone number is already verified.")]})
        recent = list(locked.phone_codes.filter(sent_at__gt=now - dt.timedelta(hours=1)))
        if recent and recent[0].sent_at > now - RESEND_AFTER:
            wait = int((recent[0].sent_at + RESEND_AFTER - now).total_seconds()) + 1
            message = _("A code was just sent. Ask for a new one in %(seconds)s seconds.")
            raise CustomerValidationError({"phone": [message % {"seconds": wait}]})
        if len(recent) >= MAX_SENDS_PER_HOUR:
            raise CustomerValidationError(
                {"phone": [_("Too many codes were sent in the last hour. Please try again later.")]}
            )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        phone_hash = phone_digest(locked)
        # The earlier codes stop working: only the latest one may be typed.
        locked.phone_codes.filter(verified_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        row = PhoneCode.objects.create(
            customer=locked,
            phone_digest=phone_hash,
            code_digest=_code_digest(locked.pk, phone_hash, code),
            sent_at=now,
            expires_at=now + CODE_TTL,
        )
        to, body = locked.phone, _sms_text(code, language)
        key = f"loanhub-phone-code-{row.pk}"
        transaction.on_commit(lambda: _send(to=to, body=body, customer=locked, key=key))
    logger.info("phone code sent customer=%s", locked)
    return row


def _send(*, to: str, body: str, customer: Customer, key: str) -> None:
    from notifications import backends

    try:
        backends.send_sms(to=to, body=body, key=key)
    except Exception:  # the customer asks again; the failure is visible in the log
        logger.exception("phone code SMS failed customer=%s", customer)


def phone_code_verify(*, customer: Customer, code: str, actor) -> PhoneCode:
    """Check the code the customer typed against the latest one sent to their current number.
    A wrong code counts as an attempt (kept even though the call fails)."""
    if actor is None or actor.pk != customer.user_id:
        raise CustomerValidationError({"code": [_("Only the customer may verify their phone.")]})
    typed = "".join(str(code or "").split())
    if not (typed.isdigit() and len(typed) == CODE_DIGITS):
        raise CustomerValidationError({"code": [_("Enter the 6-digit code from the SMS.")]})
    now = clock.now()
    error = ""
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        phone_hash = phone_digest(locked)
        row = locked.phone_codes.filter(verified_at__isnull=True).first()
        if phone_is_verified(customer=locked):
            error = _("Your phone number is already verified.")
        elif row is None or row.phone_digest != phone_hash or row.expires_at <= now:
            error = _("This code has expired or was replaced. Ask for a new code.")
        elif row.attempts >= MAX_ATTEMPTS:
            error = _("Too many wrong codes. Ask for a new code.")
        elif constant_time_compare(row.code_digest, _code_digest(locked.pk, phone_hash, typed)):
            row.verified_at = now
            row.save(update_fields=["verified_at"])
        else:
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - row.attempts
            error = (
                _("The code is not right. %(left)s tries left.") % {"left": left}
                if left
                else _("Too many wrong codes. Ask for a new code.")
            )
    # Raised after the commit: the counted attempt must stay counted.
    if error:
        logger.info("phone code refused customer=%s", locked)
        raise CustomerValidationError({"code": [error]})
    logger.info("phone verified customer=%s", locked)
    return row
