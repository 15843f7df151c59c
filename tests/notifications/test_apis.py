"""GET /api/v1/notifications/me/: the caller's own sent messages, and nobody else's."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from notifications import services
from tests.customers.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/me/"


def _client(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def _send(user, key: str, channel: str = "portal", body: str = "hello {{ name }}", **kwargs):
    message, _ = services.message_send(
        user=user, channel=channel, dedupe_key=key, body=body, context={"name": "Li"}, **kwargs
    )
    services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_the_caller_sees_their_own_sent_messages_newest_last_sent_first(
    user, django_capture_on_commit_callbacks
):
    other = UserFactory(username="other-reader", is_staff=False)
    first = _send(user, "payment_due:7:1")
    second = _send(user, "campaign:3:customer:9:sms", channel="sms", address="13800000000", body="offer")
    _send(other, "payment_due:8:1")

    body = _client(user).get(URL).json()

    assert [m["id"] for m in body] == [second.pk, first.pk]
    assert body[1] == {
        "id": first.pk,
        "event": "payment_due",
        "channel": "portal",
        "sent_at": body[1]["sent_at"],
        "subject": "",
        "text": "hello Li",
        "read_at": None,
    }
    assert body[1]["sent_at"] is not None
    assert body[0]["event"] == "campaign"
    assert body[0]["channel"] == "sms"


def test_unsent_messages_are_not_listed(user):
    services.message_send(user=user, channel="portal", dedupe_key="overdue:1", body="pending")

    assert _client(user).get(URL).json() == []


def test_anonymous_is_401_and_bad_paging_is_400(user):
    assert _client().get(URL).status_code == 401
    assert _client(user).get(URL, {"limit": 0}).status_code == 400
    # An offset past the database's 64-bit OFFSET was a 500 (found by the API fuzz): now a 400.
    deep = _client(user).get(URL, {"offset": str(10**38)})
    assert deep.status_code == 400
    assert "offset" in deep.json()["errors"]
