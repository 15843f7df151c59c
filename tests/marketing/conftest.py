"""Marketing fixtures: one user per role, customers with and without marketing consent."""

from __future__ import annotations

import pytest

from customers import marketing_consent
from loanhub import roles
from notifications.backends import LocmemSmsBackend
from tests.customers.factories import CustomerFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_and_sms(settings):
    settings.LANGUAGE_CODE = "en"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.backends.LocmemSmsBackend"
    settings.NOTIFICATIONS_QUIET_HOURS = ""  # campaigns in tests send at once whatever the hour
    LocmemSmsBackend.outbox = []


@pytest.fixture
def manager(db):
    return UserFactory(username="mm", role=roles.MARKETING_MANAGER)


@pytest.fixture
def auditor(db):
    return UserFactory(username="aud", role=roles.AUDITOR)


@pytest.fixture
def officer(db):
    return UserFactory(username="lo", role=roles.LOAN_OFFICER)


def consenting(*channels: str, **fields):
    """A customer who gave the marketing consent for `channels`."""
    customer = CustomerFactory(**fields)
    if channels:
        marketing_consent.marketing_consent_set(
            customer=customer, actor=customer.user, choices=dict.fromkeys(channels, True)
        )
    return customer


@pytest.fixture(autouse=True)
def _english():
    """Refusals in English for exact assertions (tests of the Chinese wording override it)."""
    from django.utils import translation

    with translation.override("en"):
        yield
