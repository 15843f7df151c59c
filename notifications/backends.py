"""Delivery backends. E-mail goes through Django's EMAIL_BACKEND (console by default); SMS through
the class named by NOTIFICATIONS_SMS_BACKEND (console by default, locmem in tests)."""

from __future__ import annotations

import sys
import threading

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class ConsoleSmsBackend:
    """Writes each SMS to standard output, like Django's console e-mail backend."""

    def send(self, *, to: str, body: str) -> None:
        stream = sys.stdout
        stream.write(f"SMS to: {to}\n{body}\n{'-' * 40}\n")
        stream.flush()


class LocmemSmsBackend:
    """Keeps sent SMS in `LocmemSmsBackend.outbox` (tests)."""

    outbox: list[dict] = []
    _lock = threading.Lock()

    def send(self, *, to: str, body: str) -> None:
        with self._lock:
            type(self).outbox.append({"to": to, "body": body})


def send_email(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


def send_sms(*, to: str, body: str) -> None:
    backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
    backend.send(to=to, body=body)
