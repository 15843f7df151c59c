"""One clock: loanhub.clock, django.utils.timezone and date.today() agree, and move together."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine

from loanhub import clock

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_today_is_the_local_date_in_shanghai_not_utc():
    # 23:30 UTC on 31 December is already 07:30 on 1 January in Shanghai (UTC+8).
    with time_machine.travel(dt.datetime(2030, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert clock.today() == dt.date(2031, 1, 1)
        assert clock.now() == dt.datetime(2030, 12, 31, 23, 30, tzinfo=dt.UTC)
        assert clock.now().tzinfo is not None


def test_every_clock_moves_together():
    moment = dt.datetime(2032, 2, 29, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        assert clock.today() == dt.date(2032, 2, 29)
        assert dt.date.today() == dt.date(2032, 2, 29)  # noqa: DTZ011 - the point of the test
        assert clock.now() == moment


def test_local_date_converts_an_aware_time_and_keeps_none():
    assert clock.local_date(dt.datetime(2030, 6, 30, 17, 0, tzinfo=dt.UTC)) == dt.date(2030, 7, 1)
    assert clock.local_date(None) is None
