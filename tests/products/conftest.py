"""Products test fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english():
    """Service messages (limits, compliance, lifecycle refusals) in English for exact assertions:
    the default language is zh-hans, and tests of the Chinese wording override it."""
    from django.utils import translation

    with translation.override("en"):
        yield
