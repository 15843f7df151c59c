"""Appendix J time: where each cash flow sits, in unit periods, after the first advance (12 CFR 1026).

Each cash flow sits ``t`` whole unit periods plus a fraction ``f`` of a unit period after the first
advance (Appendix J (b)(6)); this module finds ``t`` and ``f`` and gathers the flows into one
polynomial per distinct fraction for the solver (`apr_solver`).

Time between the first advance and a cash flow (Appendix J (b)(3)-(b)(5)):

* monthly unit period: whole months counted back from the cash-flow date, the days left over / 30;
* semimonthly, quarterly, semiannual: 30 x (whole months counted back) + days left over, divided by
  15, 90 or 180 -- the quotient is whole periods, the remainder the fraction;
* weekly, biweekly: actual days divided by 7 or 14;
* annual: whole years (12 months) counted back, then the months left / 12 when a whole number of
  months remains, otherwise the days left / 365;
* a single advance repaid by a single payment without a frequency: the unit period is the whole term
  (when under a year) with 12 / months or 365 / days unit periods a year (Appendix J (b)(5)(v)-(vi));
  a term of a year or more uses the annual rule.

Counting months back: a date counts back to the same day of an earlier month, clamped to that month's
end. A cash flow on the last day of a month stands for a series on any later day (29th, 30th, 31st),
as Appendix J (b)(3)(iv) prescribes for month-end and 29th/30th series: it counts back to the advance's
own day when that is later in the month than the payment's day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import repeat

from .dates import days_in_month
from .enums import Frequency
from .money import ZERO

__all__: list[str] = []

# kind, unit length (days, or 30-day months x 30), unit periods per year
_FREQUENCY_UNITS: dict[Frequency, tuple[str, int, int]] = {
    Frequency.WEEKLY: ("days", 7, 52),
    Frequency.BIWEEKLY: ("days", 14, 26),
    Frequency.SEMIMONTHLY: ("months", 15, 24),
    Frequency.MONTHLY: ("months", 30, 12),
    Frequency.QUARTERLY: ("months", 90, 4),
    Frequency.SEMIANNUAL: ("months", 180, 2),
    Frequency.ANNUAL: ("year", 0, 1),
}


def _month_offset(origin: date, day: int, month_end: bool) -> tuple[int, int]:
    """How counting months back from a date with this day lands relative to `origin`.

    Returns (months to take off the plain calendar-month difference, days left over).
    """
    ey, em, ed = origin.year, origin.month, origin.day
    edim = days_in_month(ey, em)
    same_day = day if day <= edim else edim
    if month_end:
        # Any day from `day` to the month's end is a valid count-back point: pick the advance's own day.
        return (0, 0) if ed >= same_day else (0, same_day - ed)
    if same_day >= ed:
        return 0, same_day - ed
    ny, nm = (ey, em + 1) if em < 12 else (ey + 1, 1)
    ndim = days_in_month(ny, nm)
    return 1, edim - ed + (day if day <= ndim else ndim)


def _months_and_days(origin: date, when: date) -> tuple[int, int]:
    """Whole months counted back from `when` to `origin`, and the days left over."""
    day = when.day
    month_end = day >= 28 and day == days_in_month(when.year, when.month)
    back, days = _month_offset(origin, day, month_end)
    return (when.year - origin.year) * 12 + when.month - origin.month - back, days


def _year_time(origin: date, when: date) -> tuple[int, int, int]:
    """Appendix J (b)(5)(iv) time in years: whole years counted back, then the months left / 12 when a
    whole number of months remains, else the days left / 365. Returns (years, fraction num, den)."""
    months, days = _months_and_days(origin, when)
    years, left_months = divmod(months, 12)
    if days == 0:
        return years, left_months, 12
    return years, (_count_back_years(when, years) - origin).days, 365


def _count_back_years(when: date, years: int) -> date:
    year = when.year - years
    last = days_in_month(year, when.month)
    if when.day == days_in_month(when.year, when.month):
        return date(year, when.month, last)
    return date(year, when.month, when.day if when.day <= last else last)


Buckets = dict[tuple[int, int], dict[int, Decimal]]
"""Signed cash flows (payments +, advances -) keyed by the Appendix J fraction (num, den), then by whole
unit periods; the solver turns each fraction's flows into one polynomial."""


def _add(buckets: Buckets, whole: int, num: int, den: int, amount: Decimal) -> None:
    bucket = buckets.get((num, den))
    if bucket is None:
        bucket = buckets[(num, den)] = {}
    bucket[whole] = bucket.get(whole, ZERO) + amount


def _bucket_by_months(
    buckets: Buckets, origin: date, length: int, flows: Sequence[tuple[date, Decimal]]
) -> None:
    """Add flows timed in 30-day months (monthly, semimonthly, quarterly, semiannual units).

    The hot path of every schedule's APR, so the month count-back is inlined: its day-dependent part
    depends only on the payment's day of month and is computed once per distinct day.
    """
    base = origin.year * 12 + origin.month
    offsets: dict[int, tuple[int, int]] = {}
    last_rest = -1
    bucket: dict[int, Decimal] = {}
    for when, amount in flows:
        day = when.day
        # Month-end dates get a negative key: they count back differently (see _month_offset).
        key = -day if day >= 28 and day == days_in_month(when.year, when.month) else day
        offset = offsets.get(key)
        if offset is None:
            offset = offsets[key] = _month_offset(origin, day, key < 0)
        whole, rest = divmod(30 * (when.year * 12 + when.month - base - offset[0]) + offset[1], length)
        if rest != last_rest:
            bucket = buckets.setdefault((rest, length), {})
            last_rest = rest
        if whole in bucket:
            bucket[whole] += amount
        else:
            bucket[whole] = amount


def _bucket_by_days(
    buckets: Buckets, origin: date, length: int, flows: Sequence[tuple[date, Decimal]]
) -> None:
    """Add flows timed in days (weekly and biweekly units)."""
    base = origin.toordinal()
    last_rest = -1
    bucket: dict[int, Decimal] = {}
    for when, amount in flows:
        whole, rest = divmod(when.toordinal() - base, length)
        if rest != last_rest:
            bucket = buckets.setdefault((rest, length), {})
            last_rest = rest
        if whole in bucket:
            bucket[whole] += amount
        else:
            bucket[whole] = amount


def _groups(buckets: Buckets) -> list[tuple[int, int, list[Decimal]]]:
    """(fraction numerator, denominator, coefficients from the highest whole period down to 0)."""
    out = []
    for (num, den), bucket in buckets.items():
        top = max(bucket)
        out.append((num, den, list(map(bucket.get, range(top, -1, -1), repeat(ZERO)))))
    return out


def _unit_for_single_payment(origin: date, when: date) -> tuple[str, Decimal]:
    """Unit period ("term" or "year") and unit periods a year of a single advance repaid by a single
    payment (Appendix J (b)(4)(iii), (b)(5)(v)-(vi)): the term itself while under a year."""
    months, days = _months_and_days(origin, when)
    if months >= 12:
        return "year", Decimal(1)
    if days == 0:
        return "term", Decimal(12) / months
    return "term", Decimal(365) / (when - origin).days


def _timed(
    origin: date,
    advances: Sequence[tuple[date, Decimal]],
    payments: Sequence[tuple[date, Decimal]],
    frequency: Frequency | None,
) -> tuple[list[tuple[int, int, list[Decimal]]], Decimal, str]:
    """The cash flows as polynomials by Appendix J fraction, with the unit periods a year and label."""
    buckets: Buckets = {}
    if frequency is None:
        label, per_year = _unit_for_single_payment(origin, payments[0][0])
        kind, length = label, 0
        if kind == "term":
            # The whole term is one unit period: the payment sits exactly one period after the advance.
            _add(buckets, 0, 0, 1, -advances[0][1])
            _add(buckets, 1, 0, 1, payments[0][1])
            return _groups(buckets), per_year, label
    else:
        kind, length, periods = _FREQUENCY_UNITS[frequency]
        label, per_year = frequency.value, Decimal(periods)
    negated = [(when, -amount) for when, amount in advances]
    if kind == "months":
        _bucket_by_months(buckets, origin, length, negated)
        _bucket_by_months(buckets, origin, length, payments)
    elif kind == "days":
        _bucket_by_days(buckets, origin, length, negated)
        _bucket_by_days(buckets, origin, length, payments)
    else:  # annual unit period
        for when, amount in (*negated, *payments):
            whole, num, den = _year_time(origin, when)
            _add(buckets, whole, num, den, amount)
    return _groups(buckets), per_year, label
