"""Helpers of the credit line tests: a line opened on a fixed day of next year, and travel."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from loanhub import clock
from servicing import lines
from tests.servicing.factories import CustomerFactory, active_version

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 3.65 % a year on ACT/365 is exactly 0.01 % a day: 1.00 a day per 10,000 drawn.
RATE = Decimal("0.0365")
LIMIT = Decimal("50000.00")


def opening_day() -> dt.date:
    """10 January of next year: statements on the 10th, every month the same length of cycle."""
    return dt.date(clock.today().year + 1, 1, 10)


@contextlib.contextmanager
def on(day: dt.date):
    """Servicing's open date (no close of business has run) and the clock on `day`, at noon."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI), tick=False):
        yield


def open_line(
    *,
    customer=None,
    opened_on: dt.date | None = None,
    limit=LIMIT,
    rate=RATE,
    number="C00000001",
    version=None,
):
    customer = customer or CustomerFactory()
    opened_on = opened_on or opening_day()
    return lines.credit_line_open(
        origin_ref=f"A{number[1:]}",
        number=number,
        customer_id=customer.pk,
        product_version=version or active_version(),
        credit_limit=limit,
        annual_rate=rate,
        opened_on=opened_on,
        actor=None,
    )
