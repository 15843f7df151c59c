"""Helpers of the management commands (argument types shared by every app's commands)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def iso_date(value: str) -> dt.date:
    """An argparse type: a date written YYYY-MM-DD, or a clear command error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None
