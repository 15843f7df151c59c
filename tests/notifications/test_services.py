"""The notifications service: one message per dedupe key, delivered once, quiet hours held and
released, preferences honoured, the inbox only the owner's."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications import services, tasks
from notifications.models import Message, MessageState, MessageTemplate
from tests.customers.factories import UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _day() -> dt.date:
    from loanhub import clock

    return clock.today()


def test_same_dedupe_key_twice_logs_and_sends_one_email(user, django_capture_on_commit_callbacks):
    with time_machine.travel(_local(_day(), 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first, created = services.message_send(
                user=user,
                channel="email",
                dedupe_key="k-1",
                subject="Hello {{ name }}",
                body="Dear {{ name }}",
                context={"name": "王五"},
                address="w@example.com",
            )
        with django_capture_on_commit_callbacks(execute=True):
            again, created_again = services.message_send(
                user=user, channel="email", dedupe_key="k-1", body="other", address="w@example.com"
            )
    assert created
    assert not created_again
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Hello 王五"
    assert mail.outbox[0].body == "Dear 王五"
    assert Message.objects.get().state == MessageState.SENT


def test_a_retried_delivery_task_sends_nothing_twice(user, sms_outbox):
    with time_machine.travel(_local(_day(), 10), tick=False):
        message, _ = services.message_send(
            user=user, channel="sms", dedupe_key="k-2", body="hi", address="13900000000"
        )
        assert tasks.deliver.run(message.pk) == MessageState.SENT
        assert tasks.deliver.run(message.pk) == MessageState.SENT
    assert sms_outbox == [{"to": "13900000000", "body": "hi", "key": f"loanhub-message-{message.pk}"}]
    message.refresh_from_db()
    assert message.attempts == 1


def test_optional_sms_in_quiet_hours_is_held_then_released_by_beat(user, sms_outbox, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = "21:00-08:00"
    day = _day()
    with time_machine.travel(_local(day, 22, 30), tick=False):
        message, _ = services.message_send(
            user=user, channel="sms", dedupe_key="k-3", body="offer", address="13900000001", optional=True
        )
        services.message_deliver(message_id=message.pk)
        message.refresh_from_db()
        assert message.state == MessageState.HELD
        assert message.send_after == _local(day + dt.timedelta(days=1), 8)
        assert tasks.release_held.run() == 0
    with time_machine.travel(_local(day + dt.timedelta(days=1), 7, 59), tick=False):
        assert services.messages_release_due() == 0
    assert sms_outbox == []
    with time_machine.travel(_local(day + dt.timedelta(days=1), 8, 0), tick=False):
        assert services.messages_release_due() == 1
        assert services.messages_release_due() == 0
    assert len(sms_outbox) == 1


def test_service_messages_ignore_quiet_hours(user, sms_outbox):
    with time_machine.travel(_local(_day(), 23), tick=False):
        message, _ = services.message_send(
            user=user, channel="sms", dedupe_key="k-4", body="payment due", address="13900000002"
        )
        services.message_deliver(message_id=message.pk)
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (20, 59, None),
        (21, 0, (1, 8)),  # next morning
        (3, 0, (0, 8)),  # this morning
        (8, 0, None),
    ],
)
def test_quiet_until_crosses_midnight(hour, minute, expected):
    day = dt.date(2026, 3, 1)
    until = services.quiet_until(_local(day, hour, minute), dt.time(21), dt.time(8))
    if expected is None:
        assert until is None
    else:
        assert until == _local(day + dt.timedelta(days=expected[0]), expected[1])


def test_quiet_until_within_one_day():
    day = dt.date(2026, 3, 1)
    assert services.quiet_until(_local(day, 13), dt.time(12), dt.time(14)) == _local(day, 14)
    assert services.quiet_until(_local(day, 14), dt.time(12), dt.time(14)) is None


def test_preference_off_suppresses_optional_messages_only(user, django_capture_on_commit_callbacks):
    services.preference_set(user=user, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        optional, _ = services.message_send(
            user=user, channel="email", dedupe_key="k-5", body="offer", address="a@example.com", optional=True
        )
        service, _ = services.message_send(
            user=user, channel="email", dedupe_key="k-6", body="statement", address="a@example.com"
        )
    service.refresh_from_db()
    assert optional.state == MessageState.SUPPRESSED
    assert service.state == MessageState.SENT
    assert len(mail.outbox) == 1


def test_push_message_without_address_is_refused_and_logs_nothing(user):
    with pytest.raises(services.NotificationInvalid) as caught:
        services.message_send(user=user, channel="sms", dedupe_key="k-7", body="x")
    assert "address" in caught.value.errors
    assert not Message.objects.exists()


def test_template_in_the_recipients_language(user):
    MessageTemplate.objects.create(
        key="welcome",
        subject_zh="欢迎",
        subject_en="Welcome",
        body_zh="{{ name }}，您好",
        body_en="Hello {{ name }}",
    )
    message, _ = services.message_send_template(
        key="welcome", language="en", user=user, channel="portal", dedupe_key="k-8", context={"name": "Li"}
    )
    assert (message.subject, message.body) == ("Welcome", "Hello Li")
    with pytest.raises(services.NotificationInvalid):
        services.message_send_template(key="missing", user=user, channel="portal", dedupe_key="k-9")


def test_inbox_shows_own_portal_messages_and_marks_read(client, user, django_capture_on_commit_callbacks):
    other = UserFactory(username="someone", is_staff=False)
    with django_capture_on_commit_callbacks(execute=True):
        mine, _ = services.message_send(user=user, channel="portal", dedupe_key="p-1", body="for you")
        theirs, _ = services.message_send(user=other, channel="portal", dedupe_key="p-2", body="not yours")
    client.force_login(user)
    page = client.get(reverse("notifications:inbox"))
    assert page.status_code == 200
    assert "for you" in page.text
    assert "not yours" not in page.text
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse("notifications:read", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
