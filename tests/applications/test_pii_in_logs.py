"""A whole journey leaves no identity or phone number in a log record or a requested URL.

Web server access logs (gunicorn, django.server, a proxy) record every URL; the apps' loggers
record what they are told. A customer signs up, fills in the profile, verifies the phone by its
one-time code, applies and reads the decision; an officer finds them by identity number and by
phone and opens what the search links to. Every log record at DEBUG (captured before any masking
filter) and every URL requested, including redirects, must be free of both numbers.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from applications.models import LoanApplication
from customers.models import Customer
from customers.phone import phone_is_verified
from notifications.backends import LocmemSmsBackend
from tests.applications.conftest import walk_wizard
from tests.customers.factories import profile_data

pytestmark = pytest.mark.django_db

ID_NUMBER = "360426199101010071"  # python-stdnum's stdnum.cn.ric doctest, not a real person
PHONE = "13987654321"
PASSWORD = "a-Long-unusual-passphrase-42"
SEARCH = "/admin/customers/customer/identifier-search/"
LOGGERS = ("", "django", "django.request", "django.server", "customers", "applications", "risk", "loanhub")


class RecordingClient(Client):
    """A test client that keeps every URL it requests and every redirect it is sent to."""

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls

    def request(self, **request):
        query = request.get("QUERY_STRING", "")
        self.urls.append(request["PATH_INFO"] + (f"?{query}" if query else ""))
        response = super().request(**request)
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        return response


def _needles(text: str) -> list[str]:
    lowered = text.lower()
    spaced_phone = f"{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"
    return [n for n in (ID_NUMBER.lower(), PHONE, spaced_phone) if n in lowered]


def test_a_whole_journey_keeps_identity_and_phone_numbers_out_of_logs_and_urls(
    caplog, settings, users, product, risk_ready, django_capture_on_commit_callbacks
):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    urls: list[str] = []
    customer = RecordingClient(urls, HTTP_ACCEPT_LANGUAGE="en")
    officer = RecordingClient(urls, HTTP_ACCEPT_LANGUAGE="en")

    # The customer: sign up, profile, apply, read the decision.
    signup = {
        "username": "journey",
        "email": "j@example.com",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    assert customer.post("/customers/signup/", signup, follow=True).status_code == 200
    profile = profile_data(id_number=ID_NUMBER, phone=PHONE, credit_check_consent="on")
    assert customer.post("/customers/me/", profile, follow=True).status_code == 200
    assert customer.get("/customers/me/").status_code == 200
    # The phone, verified by the code the SMS carries (submitting needs it).
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.backends.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        assert customer.post("/customers/me/phone/", {"action": "send"}, follow=True).status_code == 200
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1]["body"]).group(1)
    customer.post("/customers/me/phone/", {"action": "verify", "code": code}, follow=True)
    assert phone_is_verified(customer=Customer.objects.get(user__username="journey"))
    with django_capture_on_commit_callbacks(execute=True):
        applicant = Customer.objects.get(user__username="journey")
        applied = walk_wizard(customer, applicant, product)
    application = LoanApplication.objects.get()
    assert applied["Location"] == f"/applications/{application.pk}/"
    assert application.customer.id_number == ID_NUMBER
    assert application.decision is not None

    # The officer: sign in, find the customer by identity number and by phone, follow the links.
    login = {"username": "officer", "password": "officer-password-42", "next": "/admin/"}
    users["officer"].set_password(login["password"])
    users["officer"].save()
    assert officer.post("/admin/login/?next=/admin/", login, follow=True).status_code == 200
    assert officer.get("/admin/customers/customer/").status_code == 200
    assert officer.get(SEARCH).status_code == 200
    for term in (ID_NUMBER, PHONE, f"+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"):
        found = officer.post(SEARCH, {"identifier": term})
        assert found.status_code == 200
        (row,) = found.context["results"]
        assert row["customer"] == application.customer
        assert officer.get(row["url"]).status_code == 200
        assert list(officer.get(row["applications_url"]).context["cl"].result_list) == [application]
    assert officer.get(f"/admin/applications/loanapplication/{application.pk}/change/").status_code == 200

    # Something was logged (sign-up, profile, transitions …), and none of it names the numbers.
    assert caplog.records
    leaks = [
        (record.name, record.getMessage())
        for record in caplog.records
        if _needles(record.getMessage() + " " + (record.exc_text or ""))
    ]
    assert leaks == []
    assert _needles(caplog.text) == []
    assert len(urls) > 15
    assert [url for url in urls if _needles(url)] == []
