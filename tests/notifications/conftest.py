"""Notifications fixtures: SMS kept in memory, a customer user with an address."""

from __future__ import annotations

import pytest

from notifications.backends import LocmemSmsBackend
from tests.applications.conftest import product, risk_ready, submit, trained, users  # noqa: F401 (fixtures)
from tests.customers.factories import UserFactory


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.backends.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend.outbox


@pytest.fixture
def user(db):
    return UserFactory(username="reader", is_staff=False)
