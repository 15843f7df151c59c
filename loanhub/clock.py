"""The one clock of LoanHub: what "now" and "today" are, in the project's time zone.

Business code asks `clock.now()` (an aware datetime) and `clock.today()` (the local date in
TIME_ZONE, Asia/Shanghai), never `date.today()` or `datetime.now()`, so a single switch moves
time for everything. Tests move it for the whole session with `LOANHUB_TEST_TODAY=YYYY-MM-DD`
(see the root `conftest.py`, which travels with time-machine), or per test with time-machine's
`travel`; both also move `date.today()`, `datetime.now()` and `django.utils.timezone`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date where the lender works (TIME_ZONE)."""
    return timezone.localdate()


def local_date(value: dt.datetime | None) -> dt.date | None:
    """The local date (TIME_ZONE) of an aware datetime; None stays None."""
    return None if value is None else timezone.localdate(value)
