"""Phone verification by one-time code: sent by SMS, kept hashed, expiring, tried a limited number
of times, resent only after a pause; the API's field-level 400s; the number never logged."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.urls import reverse

from customers import phone, selectors
from customers.errors import CustomerValidationError
from customers.models import PhoneCode
from loanhub import clock
from notifications.backends import LocmemSmsBackend
from tests.customers.factories import CustomerFactory

SEND = "/api/v1/customers/me/phone/send-code/"
VERIFY = "/api/v1/customers/me/phone/verify/"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.backends.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend.outbox


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def travel():
    with time_machine.travel(clock.now(), tick=False) as traveller:
        yield traveller


def _send(customer, django_capture_on_commit_callbacks) -> str:
    """Send a code (the SMS goes after commit) and return the code the SMS carried."""
    with django_capture_on_commit_callbacks(execute=True):
        phone.phone_code_send(customer=customer, actor=customer.user, language="en")
    return re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1]["body"]).group(1)


@pytest.mark.django_db
def test_the_code_goes_by_sms_to_the_phone_and_is_kept_only_hashed(
    customer, travel, django_capture_on_commit_callbacks
):
    code = _send(customer, django_capture_on_commit_callbacks)
    assert LocmemSmsBackend.outbox[-1]["to"] == customer.phone
    row = PhoneCode.objects.get(customer=customer)
    # Neither the code nor the number is readable in the row.
    stored = " ".join(str(v) for v in PhoneCode.objects.filter(pk=row.pk).values().first().values())
    assert code not in stored
    assert customer.phone not in stored
    assert row.expires_at == clock.now() + dt.timedelta(minutes=10)
    assert not selectors.phone_is_verified(customer=customer)
    phone.phone_code_verify(customer=customer, code=code, actor=customer.user)
    assert selectors.phone_is_verified(customer=customer)


@pytest.mark.django_db
def test_wrong_codes_are_counted_and_the_sixth_try_is_refused_even_when_right(
    customer, travel, django_capture_on_commit_callbacks
):
    code = _send(customer, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(CustomerValidationError) as refused:
            phone.phone_code_verify(customer=customer, code=wrong, actor=customer.user)
        assert refused.value.errors == {"code": [f"The code is not right. {left} tries left."]}
    with pytest.raises(CustomerValidationError):
        phone.phone_code_verify(customer=customer, code=wrong, actor=customer.user)
    assert PhoneCode.objects.get(customer=customer).attempts == 5  # kept although each call failed
    with pytest.raises(CustomerValidationError) as refused:
        phone.phone_code_verify(customer=customer, code=code, actor=customer.user)
    assert refused.value.errors == {"code": ["Too many wrong codes. Ask for a new code."]}
    assert not selectors.phone_is_verified(customer=customer)


@pytest.mark.django_db
def test_a_code_expires_after_ten_minutes(customer, travel, django_capture_on_commit_callbacks):
    code = _send(customer, django_capture_on_commit_callbacks)
    travel.shift(dt.timedelta(minutes=10, seconds=1))
    with pytest.raises(CustomerValidationError) as refused:
        phone.phone_code_verify(customer=customer, code=code, actor=customer.user)
    assert refused.value.errors == {"code": ["This code has expired or was replaced. Ask for a new code."]}
    assert not selectors.phone_is_verified(customer=customer)


@pytest.mark.django_db
def test_a_resend_waits_a_minute_replaces_the_old_code_and_is_limited_per_hour(
    customer, travel, django_capture_on_commit_callbacks
):
    first = _send(customer, django_capture_on_commit_callbacks)
    travel.shift(dt.timedelta(seconds=30))
    with pytest.raises(CustomerValidationError) as refused:
        _send(customer, django_capture_on_commit_callbacks)
    assert refused.value.errors == {"phone": ["A code was just sent. Ask for a new one in 31 seconds."]}
    assert len(LocmemSmsBackend.outbox) == 1
    travel.shift(dt.timedelta(seconds=31))
    second = _send(customer, django_capture_on_commit_callbacks)
    if first != second:  # the earlier code stops working (one chance in a million they are equal)
        with pytest.raises(CustomerValidationError):
            phone.phone_code_verify(customer=customer, code=first, actor=customer.user)
    for _ in range(3):  # five codes in the hour in all
        travel.shift(dt.timedelta(seconds=61))
        _send(customer, django_capture_on_commit_callbacks)
    travel.shift(dt.timedelta(seconds=61))
    with pytest.raises(CustomerValidationError) as refused:
        _send(customer, django_capture_on_commit_callbacks)
    assert refused.value.errors == {
        "phone": ["Too many codes were sent in the last hour. Please try again later."]
    }
    assert PhoneCode.objects.filter(customer=customer).count() == 5


@pytest.mark.django_db
def test_a_changed_number_is_no_longer_verified(customer, travel, django_capture_on_commit_callbacks):
    code = _send(customer, django_capture_on_commit_callbacks)
    phone.phone_code_verify(customer=customer, code=code, actor=customer.user)
    customer.phone = "13700000001"
    customer.save(update_fields=["phone"])
    assert not selectors.phone_is_verified(customer=customer)


@pytest.mark.django_db
def test_only_the_customer_may_verify_their_phone(customer, users):
    with pytest.raises(CustomerValidationError):
        phone.phone_code_send(customer=customer, actor=users["officer"])
    assert not PhoneCode.objects.exists()


@pytest.mark.django_db
def test_the_api_sends_and_verifies_with_field_level_400s(
    api, customer, travel, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    api.force_authenticate(customer.user)
    assert api.post(VERIFY, {}, format="json").json()["errors"]["code"]  # a missing code: 400 on code
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(SEND, format="json")
    assert sent.status_code == 202
    assert sent.json()["phone"] == customer.phone[:3] + "****" + customer.phone[-4:]
    assert sent.json()["resend_after"] == 60
    again = api.post(SEND, format="json")
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["phone"]
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1]["body"]).group(1)
    wrong = api.post(VERIFY, {"code": f"{(int(code) + 1) % 10**6:06d}"}, format="json")
    assert wrong.status_code == 400
    assert list(wrong.json()["errors"]) == ["code"]
    malformed = api.post(VERIFY, {"code": "12a"}, format="json")
    assert malformed.json()["errors"] == {"code": ["Enter the 6-digit code from the SMS."]}
    done = api.post(VERIFY, {"code": code}, format="json")
    assert done.status_code == 200
    assert done.json()["phone_verified"] is True
    assert api.get("/api/v1/customers/me/").json()["phone_verified"] is True
    # The number is never logged (the SMS backend delivers it; the log names the customer only).
    assert customer.phone not in caplog.text
    assert code not in caplog.text


@pytest.mark.django_db
def test_staff_and_anonymous_callers_get_no_code(api, users):
    assert api.post(SEND, format="json").status_code in (401, 403)
    api.force_authenticate(users["officer"])
    assert api.post(SEND, format="json").status_code == 404
    assert not PhoneCode.objects.exists()


@pytest.mark.django_db
def test_the_phone_page_sends_a_code_and_returns_to_next_once_verified(
    client, travel, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    client.force_login(customer.user)
    url = reverse("customers:phone")
    page = client.get(url, {"next": "/applications/"})
    assert page.status_code == 200
    assert b"****" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"action": "send", "next": "/applications/"})
    assert sent.status_code == 200
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1]["body"]).group(1)
    assert (
        client.post(url, {"action": "verify", "code": "000000" if code != "000000" else "111111"}).status_code
        == 400
    )
    done = client.post(url, {"action": "verify", "code": code, "next": "/applications/"})
    assert done.status_code == 302
    assert done["Location"] == "/applications/"
    assert selectors.phone_is_verified(customer=customer)
