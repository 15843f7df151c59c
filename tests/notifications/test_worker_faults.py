"""A notification run under a fault, on PostgreSQL, Redis and real `celery worker -Q notifications`
processes (issue 18: a worker killed during a notification run loses nothing and sends nothing twice).

Three SMS are logged and their deliveries queued. The first worker sends the first; the gateway has
taken the second when the worker is SIGKILLed, before the row was marked sent. After recovery (a new
worker gets the unacknowledged deliveries back): every message is sent, each row once, none lost;
the second went to the gateway twice with the same delivery key, which is what a gateway
deduplicates on (notifications.backends), so each customer receives each message once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loanhub.celery import app as celery_app
from notifications import services
from notifications.models import Message, MessageState
from tests.customers.factories import UserFactory
from tests.loanhub.test_worker_integration import _wait_for, queue_workers

pytestmark = [pytest.mark.services("postgres", "redis", "worker"), pytest.mark.django_db(transaction=True)]

BODIES = ("first reminder", "second reminder", "third reminder")
PHONE = "13900000001"


@pytest.fixture
def notification_workers(tmp_path, monkeypatch):
    """Start `celery worker -Q notifications` processes with the recording gateway (stopped at the
    end); this process's tasks go through the broker."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("notifications")
    yield from queue_workers(
        "notifications",
        tmp_path,
        monkeypatch,
        LOANHUB_SMS_BACKEND="tests.notifications.recording_sms.RecordingSmsBackend",
        LOANHUB_TEST_SMS_OUTBOX=str(tmp_path / "gateway.jsonl"),
    )


def _gateway(tmp_path: Path) -> list[dict]:
    path = tmp_path / "gateway.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_worker_killed_during_a_notification_run_loses_nothing_and_sends_nothing_twice(
    notification_workers, tmp_path
):
    marker = tmp_path / "at-the-gateway"
    first = notification_workers(LOANHUB_TEST_SMS_STALL_ON="second", LOANHUB_TEST_SMS_MARKER=str(marker))
    user = UserFactory(username="sms-reader", is_staff=False)
    messages = [
        services.message_send(user=user, channel="sms", dedupe_key=f"run-{i}", body=body, address=PHONE)
        for i, body in enumerate(BODIES)
    ]
    messages = [message for message, _created in messages]

    _wait_for(marker.exists, 90, "the worker at the gateway with the second message", first.log)
    first.kill()

    second = Message.objects.get(pk=messages[1].pk)
    assert second.state == MessageState.PENDING  # its transaction died with the worker
    assert second.sent_at is None
    assert [row["body"] for row in _gateway(tmp_path)].count("second reminder") == 1

    fresh = notification_workers()

    def all_sent() -> bool:
        return Message.objects.filter(pk__in=[m.pk for m in messages], state=MessageState.SENT).count() == 3

    _wait_for(all_sent, 90, "every message sent after the restart", fresh.log)

    assert Message.objects.filter(user=user).count() == 3  # no message row twice
    attempts = _gateway(tmp_path)
    keys = {m.pk: services.delivery_key(m) for m in messages}
    by_key = {key: [row for row in attempts if row["key"] == key] for key in keys.values()}
    # Nothing lost: every message reached the gateway, with its own key and its own body
    assert all(by_key[keys[m.pk]] for m in messages)
    assert [by_key[keys[m.pk]][0]["body"] for m in messages] == list(BODIES)
    # The one attempt repeated is the one the kill interrupted, under the same key: the gateway's
    # deduplication by key leaves one message per row
    assert len(by_key[keys[messages[1].pk]]) == 2
    assert len(by_key[keys[messages[0].pk]]) == 1
    assert len(by_key[keys[messages[2].pk]]) == 1
    assert len({row["key"] for row in attempts}) == 3
