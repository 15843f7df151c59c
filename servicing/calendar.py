"""Servicing's business calendar: the open business date is the day after the last one closed.

Close of business closes dates in order (`servicing.cob`); until the first close the open date
is the clock's today. Value dates, due checks and the portal use the open date, so tests and
demos move servicing's time by closing days (`manage.py close_business_day --through …`).
"""

from __future__ import annotations

import datetime as dt

from loanhub import clock
from servicing.choices import CobStatus
from servicing.models import CobRun


def last_closed_date() -> dt.date | None:
    return (
        CobRun.objects.filter(status=CobStatus.DONE)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )


def open_business_date() -> dt.date:
    """The date servicing works on: the day after the last closed date, else today."""
    closed = last_closed_date()
    return clock.today() if closed is None else closed + dt.timedelta(days=1)
