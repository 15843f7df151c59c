"""Customers test fixtures: users per role, private storage in tmp_path, a fresh throttle cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from tests.customers.factories import CustomerFactory, role_users


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.LOANHUB_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.LOANHUB_PRIVATE_ROOT


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # throttle counters live in the cache, shared across tests otherwise
    yield
    cache.clear()


@pytest.fixture
def users(db):
    return role_users()


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def english():
    """Messages in English, whatever the translations say (the default language is zh-hans)."""
    with translation.override("en"):
        yield
