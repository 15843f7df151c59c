"""Calendar rules: month arithmetic with month-end clamping and the due dates of each frequency.

Rules (documented for the product and the API):

* Month-based frequencies (monthly, quarterly, semiannual, annual) step whole calendar months from an
  anchor date and keep the anchor's day, clamped to the month's last day: anchored on Jan 31 the dates
  are Feb 28 (29 in leap years), Mar 31, Apr 30 ... -- each date is computed from the anchor, not from
  the previous (clamped) date, so the day never drifts.
* Weekly and biweekly step 7 and 14 days.
* Semimonthly pays twice a month on day ``d`` and day ``d + 15`` (``d`` from 1 to 15), the later one
  clamped to month end. ``d`` comes from the anchor's day: anchor day 10 pays on the 10th and 25th,
  anchor day 16 on the 1st and 16th, anchor day 31 on the 16th and the month's last day.
* Without a first due date the anchor is the start (disbursement) date and the first installment falls
  one period after it. With a first due date the anchor is that date, which is installment 1.
"""

from __future__ import annotations

from datetime import date
from itertools import accumulate, repeat
from operator import add

from .enums import Frequency

__all__ = [
    "add_months",
    "days_in_month",
    "due_dates",
    "is_month_end",
    "nth_due_date",
    "regular_first_due_date",
]

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Months per period for month-based frequencies, days per period for day-based ones.
MONTH_STEPS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}
DAY_STEPS = {Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14}
_MAX_ORDINAL = date.max.toordinal()


def days_in_month(year: int, month: int) -> int:
    """Number of days of a month (Gregorian leap years)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def is_month_end(d: date) -> bool:
    """Whether the date is the last day of its month."""
    return d.day == days_in_month(d.year, d.month)


def add_months(anchor: date, months: int, day: int | None = None) -> date:
    """The date ``months`` calendar months after (or before, if negative) ``anchor``.

    The day is ``day`` (default: the anchor's day) clamped to the target month's last day, so Jan 31 +
    1 month is Feb 28/29. Raises ValueError (from `datetime.date`) beyond year 9999.
    """
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month0 = divmod(index, 12)
    wanted = anchor.day if day is None else day
    last = days_in_month(year, month0 + 1)
    return date(year, month0 + 1, wanted if wanted <= last else last)


# Calendar tables for the years most loans live in: per month from January of _TABLE_FIRST_YEAR, its
# number of days and the ordinal of the day before its 1st, so a series of due dates is a slice of
# each plus the day (clamped), turned into dates without a Python-level loop.
_TABLE_FIRST_YEAR = 1900
_MONTH_LENGTHS = [days_in_month(_TABLE_FIRST_YEAR + k // 12, k % 12 + 1) for k in range(12 * 400)]
_MONTH_ZERO = list(accumulate(_MONTH_LENGTHS[:-1], initial=date(_TABLE_FIRST_YEAR, 1, 1).toordinal() - 1))


def _month_series(anchor: date, step: int, count: int, skip_anchor: bool) -> list[date]:
    day = anchor.day
    first = (anchor.year - _TABLE_FIRST_YEAR) * 12 + anchor.month - 1 + (step if skip_anchor else 0)
    if first >= 0 and first + step * (count - 1) < len(_MONTH_ZERO):
        stop = first + step * count
        days = repeat(day) if day <= 28 else map(min, _MONTH_LENGTHS[first:stop:step], repeat(day))
        return list(map(date.fromordinal, map(add, _MONTH_ZERO[first:stop:step], days)))
    year, month = anchor.year, anchor.month
    if skip_anchor:
        month += step
        if month > 12:
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    out: list[date] = []
    append = out.append
    for _ in range(count):
        if day <= 28:
            append(date(year, month, day))
        else:
            last = days_in_month(year, month)
            append(date(year, month, day if day <= last else last))
        month += step
        if month > 12:
            month -= 12
            year += 1
    return out


def _semimonthly_series(anchor: date, count: int, skip_anchor: bool) -> list[date]:
    # Half-month slots are numbered 2 * month_index + (0 for the early day, 1 for the late day).
    low = anchor.day if anchor.day <= 15 else anchor.day - 15
    high = low + 15
    slot = (anchor.year * 12 + anchor.month - 1) * 2 + (0 if anchor.day <= 15 else 1)
    if skip_anchor:
        slot += 1
    first = slot // 2 - _TABLE_FIRST_YEAR * 12  # table index of the first month
    months = (slot % 2 + count + 1) // 2  # months the series touches
    if count and first >= 0 and first + months <= len(_MONTH_ZERO):
        zero = _MONTH_ZERO[first : first + months]
        both: list[int] = [0] * (2 * months)
        both[0::2] = map(add, zero, repeat(low))
        both[1::2] = map(add, zero, map(min, _MONTH_LENGTHS[first : first + months], repeat(high)))
        start = slot % 2
        return list(map(date.fromordinal, both[start : start + count]))
    out: list[date] = []
    for _ in range(count):
        month_index, half = divmod(slot, 2)
        year, month0 = divmod(month_index, 12)
        if half == 0:
            out.append(date(year, month0 + 1, low))
        else:
            last = days_in_month(year, month0 + 1)
            out.append(date(year, month0 + 1, high if high <= last else last))
        slot += 1
    return out


def _series(anchor: date, frequency: Frequency, count: int, skip_anchor: bool) -> list[date]:
    if frequency in MONTH_STEPS:
        return _month_series(anchor, MONTH_STEPS[frequency], count, skip_anchor)
    if frequency is Frequency.SEMIMONTHLY:
        return _semimonthly_series(anchor, count, skip_anchor)
    step = DAY_STEPS[frequency]
    first = anchor.toordinal() + (step if skip_anchor else 0)
    last = first + step * (count - 1)
    if last > _MAX_ORDINAL:
        raise OverflowError("date value out of range")  # as date + timedelta past the year 9999 does
    return list(map(date.fromordinal, range(first, last + 1, step)))


def nth_due_date(
    start_date: date, frequency: Frequency, number: int, first_due_date: date | None = None
) -> date:
    """Due date of installment `number` (1-based) without building the list before it.

    Raises ValueError (from `datetime.date`) beyond year 9999.
    """
    anchor = start_date if first_due_date is None else first_due_date
    steps = number if first_due_date is None else number - 1
    if frequency in MONTH_STEPS:
        return add_months(anchor, MONTH_STEPS[frequency] * steps)
    if frequency is Frequency.SEMIMONTHLY:
        low = anchor.day if anchor.day <= 15 else anchor.day - 15
        slot = (anchor.year * 12 + anchor.month - 1) * 2 + (0 if anchor.day <= 15 else 1) + steps
        month_index, half = divmod(slot, 2)
        year, month0 = divmod(month_index, 12)
        if year > 9999:
            raise ValueError("year is out of range")
        day = low if half == 0 else min(low + 15, days_in_month(year, month0 + 1))
        return date(year, month0 + 1, day)
    return date.fromordinal(anchor.toordinal() + DAY_STEPS[frequency] * steps)


def regular_first_due_date(start_date: date, frequency: Frequency) -> date:
    """The first due date of a schedule without an odd first period: one period after the start."""
    return _series(start_date, frequency, 1, skip_anchor=True)[0]


def due_dates(
    start_date: date, frequency: Frequency, count: int, first_due_date: date | None = None
) -> list[date]:
    """The ``count`` due dates of a schedule (see the module docstring for the rules)."""
    if first_due_date is None:
        return _series(start_date, frequency, count, skip_anchor=True)
    return _series(first_due_date, frequency, count, skip_anchor=False)
