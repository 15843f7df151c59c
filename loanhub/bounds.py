"""Bounds on dates and rates callers type: a date within a window around the clock's today, an
annual rate at most the legal cap (LOANHUB_APR_CAP). Validators that Django forms and REST
framework serializers both run, so the page and the API refuse the same input with the same
field-level message (text has its own rule: `loanhub.text`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from loanhub import clock

WINDOW_YEARS = 5  # a loan starts (or a line opens) within five years of today, either way
LONGEST_LOAN_YEARS = 100  # 1,200 monthly installments: dates that follow a start may lie this far on
# A list API's `offset` at most: deeper is a field-level 400, not an overflow of the database's
# 64-bit OFFSET (a 500; the API fuzz found it with offset=1.3e38).
MAX_OFFSET = 1_000_000


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@deconstructible
class DateWindowValidator:
    """A date from `before` years before the clock's today to `after` years after it (read on each
    call, so the window moves with the clock)."""

    def __init__(self, before: int = WINDOW_YEARS, after: int = WINDOW_YEARS):
        self.before = before
        self.after = after

    def window(self) -> tuple[dt.date, dt.date]:
        today = clock.today()
        return shift_years(today, -self.before), shift_years(today, self.after)

    def __call__(self, value) -> None:
        if not isinstance(value, dt.date):
            return
        first, last = self.window()
        if not first <= value <= last:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": date_format(first, "Y-m-d"), "last": date_format(last, "Y-m-d")},
                code="date_out_of_window",
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, DateWindowValidator) and (self.before, self.after) == (
            other.before,
            other.after,
        )


def apr_cap() -> Decimal:
    """The legal cap on the annual rate, a fraction (0.24 is 24 %)."""
    return settings.LOANHUB_APR_CAP


@deconstructible
class RateCapValidator:
    """An annual rate at most the legal cap. `percent`: the value is typed in percent (4.9)."""

    def __init__(self, percent: bool = False):
        self.percent = percent

    def __call__(self, value) -> None:
        if value is None:
            return
        cap = apr_cap()
        limit = cap * 100 if self.percent else cap
        if Decimal(value) > limit:
            shown = f"{(cap * 100).normalize():f} %"
            raise ValidationError(
                _("Enter a rate of at most %(cap)s (the legal cap).") % {"cap": shown}, code="above_cap"
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, RateCapValidator) and self.percent == other.percent


START_DATE = DateWindowValidator()
LATER_DATE = DateWindowValidator(after=WINDOW_YEARS + LONGEST_LOAN_YEARS)
