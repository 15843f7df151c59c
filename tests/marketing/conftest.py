"""Fixtures of the marketing tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english():
    """Refusals in English for exact assertions (tests of the Chinese wording override it)."""
    from django.utils import translation

    with translation.override("en"):
        yield
