"""Delivery backends. E-mail goes through Django's EMAIL_BACKEND (console by default); SMS through
the class named by NOTIFICATIONS_SMS_BACKEND (console by default, locmem in tests).

Every delivery carries the message's `key`, the same on every attempt. A worker killed after the
provider took a message but before the row was marked sent leaves the row pending, and the
redelivered task sends it again: the key is what lets the other side drop that second copy. An SMS
backend for a real gateway passes it as the gateway's client message id (Aliyun's `OutId`, the
"client reference" of others), which such gateways deduplicate on; e-mail carries it as the
`Message-ID` header, on which mail stores and clients deduplicate."""

from __future__ import annotations

import sys
import threading

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string


def _masked_number(to: str) -> str:
    """The recipient as a log may show it: the first three and last four digits (this layer cannot
    import customers.masking; the rule is the same, `138****5678`)."""
    digits = "".join(ch for ch in str(to) if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


class ConsoleSmsBackend:
    """Writes each SMS to standard output, like Django's console e-mail backend, with the
    recipient's number masked: standard output ends up in log collectors, and personal data is
    never logged. The body is written as is (in development it carries the one-time code)."""

    def send(self, *, to: str, body: str, key: str = "") -> None:
        stream = sys.stdout
        stream.write(f"SMS to: {_masked_number(to)} ({key})\n{body}\n{'-' * 40}\n")
        stream.flush()


class LocmemSmsBackend:
    """Keeps sent SMS in `LocmemSmsBackend.outbox` (tests)."""

    outbox: list[dict] = []
    _lock = threading.Lock()

    def send(self, *, to: str, body: str, key: str = "") -> None:
        with self._lock:
            type(self).outbox.append({"to": to, "body": body, "key": key})


def send_email(*, to: str, subject: str, body: str, key: str = "") -> None:
    headers = {"Message-ID": f"<{key}@{settings.LOANHUB_MESSAGE_ID_DOMAIN}>"} if key else None
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers).send(fail_silently=False)


def send_sms(*, to: str, body: str, key: str = "") -> None:
    backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
    backend.send(to=to, body=body, key=key)
