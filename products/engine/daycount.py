"""Day-count conventions: how many days (and of what year) a period of interest covers."""

from __future__ import annotations

from datetime import date

from .dates import days_in_month
from .enums import DayCount

__all__ = ["days360", "year_basis"]


def days360(start: date, end: date) -> int:
    """Days between two dates under 30/360 US (NASD / SIA "bond basis" with the February rule).

    Every month counts 30 days. Following the Securities Industry Association rule set (the "30/360
    US" convention): (1) if both dates are the last day of February, the end day becomes 30; (2) if
    the start is the last day of February, the start day becomes 30; (3) if the end day is 31 and the
    start day is 30 or 31, the end day becomes 30; (4) if the start day is 31 it becomes 30.
    """
    d1, d2 = start.day, end.day
    start_feb_end = start.month == 2 and d1 == days_in_month(start.year, 2)
    end_feb_end = end.month == 2 and d2 == days_in_month(end.year, 2)
    if start_feb_end and end_feb_end:
        d2 = 30
    if start_feb_end:
        d1 = 30
    if d2 == 31 and d1 >= 30:
        d2 = 30
    if d1 == 31:
        d1 = 30
    return (end.year - start.year) * 360 + (end.month - start.month) * 30 + (d2 - d1)


def year_basis(day_count: DayCount) -> int:
    """Days in the year that divides actual days: 365 for ACT/365 (fixed), 360 for ACT/360 and 30/360."""
    return 365 if day_count is DayCount.ACT_365 else 360
