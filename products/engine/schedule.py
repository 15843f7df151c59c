"""Repayment schedules: annuity, equal principal, interest-only and bullet, with their summary.

Rounding (one convention for all of LoanHub, the one Chinese bank loan calculators use):

* a period's interest is the outstanding balance times the period rate, rounded half-up to the cent;
* annuity: the installment is the exact annuity payment rounded half-up to the cent; the principal
  part is the installment minus that period's rounded interest;
* equal principal: the installment is (amortised balance / amortising installments + the period's
  exact, unrounded interest) rounded half-up; the principal part is the installment minus the
  rounded interest;
* the last installment pays the whole remaining balance plus its interest, so the principal parts
  sum exactly to the principal and the final balance is exactly 0.00; totals are sums of the rows.

Period rate by day count: 30/360 charges annual_rate / periods_per_year for a regular period and
annual_rate x days360(start, first due) / 360 for an odd first period; ACT/365 and ACT/360 charge
annual_rate x actual days / 365 (or 360) for every period.

The annuity installment: under 30/360 it comes from the nominal period rate annual_rate /
periods_per_year (the bank-calculator figure; an odd first period's difference ends in the last row).
Under ACT/365 and ACT/360 it is the level payment that amortises the balance exactly at the periods'
actual rates r_k, A = B x P / S with P = prod(1 + r_k) and S = sum over j of prod over k > j of
(1 + r_k) -- the usual annuity when every r_k is equal -- so months of 31 days or a 365/360 year do
not pile up into a large last payment (at the nominal rate a 30-year ACT/360 mortgage would end with a
payment of several installments); the last row keeps only the cent rounding, compounded at the
period rates as under 30/360 (terms where that compounding runs away are refused, see
LARGEST_PAYMENT). A row whose interest exceeds the level payment (a long odd first period, a
366-day year under ACT/365 on a small long loan) pays its interest and no principal: no row
repays a negative principal outside a capitalised grace, so the balance never grows.

Grace (宽限期): the first `g` rows repay no principal. Interest-only grace rows pay the interest;
capitalised grace rows pay nothing and show the interest accrued as `interest` and the same amount as
a negative `principal` (the balance grows by it), which keeps payment = principal + interest + fees
and the principal column summing to the principal. The amortising part is computed on the balance
left after the grace over the remaining n - g installments.

Interest-free promotion (首期免息): installments 1..N carry zero interest (a row may be both grace and
interest-free). For annuities the level installment is the one that exactly amortises the balance
given those zero-interest periods, A = B / (N' + a(m - N', i)) with a(k, i) = (1 - (1 + i)**-k) / i
and N' the interest-free rows among the m amortising ones. That is the usual annuity computed on the
whole schedule (for N' = 0 it is the textbook formula), so installments stay level and the promotion
lowers every installment, and hence the cost, rather than ending the loan early with odd rows.

Bullet (到期一次还本付息): rows before maturity pay only periodic fees; the last row pays the
principal and simple interest over all interest-bearing periods, rounded once (利随本清).

A period whose interest exceeds the annuity installment (a long odd first period, say) amortises
negatively: the principal part is negative and the balance grows. If rounding or a promotion pays
the balance off before the last row, the remaining rows carry only their periodic fees.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from itertools import count
from operator import itemgetter, sub
from typing import NamedTuple

from .dates import due_dates
from .daycount import days360, year_basis
from .enums import DayCount, Frequency, GraceKind, Method
from .errors import EngineValidationError, Message, gettext_noop
from .money import CENT, ENGINE_CONTEXT, MONEY_CONTEXT, ZERO, quantize_money
from .summary import ScheduleSummary, _summarise
from .terms import MAX_PRINCIPAL, LoanTerms, validate_terms

__all__ = [
    "Installment",
    "Schedule",
    "ScheduleSummary",
    "actual_annuity_payment",
    "annuity_payment",
    "build_schedule",
    "schedule_from_terms",
]


class Installment(NamedTuple):
    """One row of a schedule; payment = principal + interest + fees, balance is after this row."""

    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    balance: Decimal


_new_row = tuple.__new__  # builds an Installment without the Python-level __new__ (hot loop)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A repayment schedule: the terms it was built from, its rows and its summary."""

    terms: LoanTerms
    rows: tuple[Installment, ...]
    summary: ScheduleSummary
    # A spread payment holiday's extra interest (`defer_installments_spread`) inside the rows'
    # interest, as (due date, part): the terms do not know it, so a later prepayment, reset or
    # deferral carries what is not yet due over its new rows and a payoff owes it
    # (`products.engine.holiday`).
    deferred_interest: tuple[tuple[date, Decimal], ...] = ()

    @property
    def installment(self) -> Decimal:
        """The level installment of an annuity (principal + interest of the first amortising row).
        A row whose interest exceeds the level payment pays only that interest, more than the level,
        and every other row before the last pays the level, unless it repays the balance early; so
        after such a row the level is the smallest principal + interest of a row that leaves a
        balance (not the first row repaying principal: a level row may repay 0.00 when its interest
        rounds to the level itself; not the most frequent: at a tiny balance most rows may be
        interest-only ones)."""
        first = min(self.terms.grace_periods, len(self.rows) - 1)
        row = self.rows[first]
        if row.principal == 0 and row.interest > 0:
            return min(
                (r.principal + r.interest for r in self.rows[first:-1] if r.balance > 0),
                default=row.interest,
            )
        return row.principal + row.interest

    def cash_flows(self) -> tuple[list[tuple[date, Decimal]], list[tuple[date, Decimal]]]:
        """(advances, payments) as the borrower sees them: net proceeds at the start, every payment."""
        advances = [(self.terms.start_date, self.summary.net_proceeds)]
        payments = [(row.due_date, row.payment) for row in self.rows if row.payment]
        return advances, payments


def annuity_payment(balance: Decimal, period_rate: Decimal, periods: int, interest_free: int = 0) -> Decimal:
    """The exact (unrounded) level payment amortising `balance` over `periods` at `period_rate`.

    The first `interest_free` periods carry no interest: A = B / (N + a(periods - N, i)), with
    a(k, i) = (1 - (1 + i)**-k) / i, or k when i is zero.
    """
    with localcontext(ENGINE_CONTEXT):
        charged = periods - interest_free
        if period_rate == 0:
            factor = Decimal(charged)
        else:
            factor = (1 - (1 + period_rate) ** -charged) / period_rate
        return balance / (interest_free + factor)


def _period_rates(terms: LoanTerms, dates: list[date]) -> tuple[list[Decimal], list[Decimal]]:
    """Per row, the numerator (annual rate x day count) and denominator of the period rate.

    Interest is computed as balance x numerator / denominator -- one inexact operation -- so a result
    that is exactly half a cent rounds half-up as the convention says, not down by a 34th-digit error.
    """
    nums, dens, _ = _period_rates_and_bounds(terms, dates, bounds=False)
    return nums, dens


# Rounds every inexact result up (towards +infinity), so an amount computed in it is never below the
# exact one: see `_rows` for how that keeps a half-cent a half-cent.
_UPPER_CONTEXT = ENGINE_CONTEXT.copy()
_UPPER_CONTEXT.rounding = ROUND_CEILING


def _period_rates_and_bounds(
    terms: LoanTerms, dates: list[date], bounds: bool = True
) -> tuple[list[Decimal], list[Decimal], list[Decimal] | None]:
    """`_period_rates`, and with `bounds` per row the period rate numerator / denominator rounded up
    to 34 digits (else None)."""
    n = terms.term
    rate = terms.annual_rate
    upper = _UPPER_CONTEXT.divide
    uppers = None
    if terms.day_count is DayCount.THIRTY_360:
        per_year = Decimal(terms.frequency.periods_per_year)
        nums = [rate] * n
        dens = [per_year] * n
        if bounds:
            uppers = [upper(rate, per_year)] * n
        if terms.first_due_date is not None:
            nums[0] = rate * days360(terms.start_date, terms.first_due_date)
            dens[0] = Decimal(360)
            if uppers is not None:
                uppers[0] = upper(nums[0], dens[0])
    else:
        basis = Decimal(year_basis(terms.day_count))
        ordinals = [terms.start_date.toordinal(), *map(date.toordinal, dates)]
        days = list(map(sub, ordinals[1:], ordinals))
        by_days = {length: rate * length for length in set(days)}  # few distinct period lengths
        nums = list(map(by_days.__getitem__, days))
        dens = [basis] * n
        if bounds:
            upper_by_days = {length: upper(num, basis) for length, num in by_days.items()}
            uppers = list(map(upper_by_days.__getitem__, days))
    free = min(terms.interest_free_periods, n)
    nums[:free] = [ZERO] * free
    if uppers is not None:
        uppers[:free] = [ZERO] * free
    return nums, dens, uppers


def _year_span(terms: LoanTerms, dates: list[date], first: int, stop: int) -> Fraction:
    """Rows first..stop-1 as an exact fraction of a year under the day count, interest-free rows
    excluded: bullet simple interest is summed over its periods before its single rounding."""
    first = max(first, min(terms.interest_free_periods, stop))
    if first >= stop:
        return Fraction(0)
    if terms.day_count is DayCount.THIRTY_360:
        span = Fraction(stop - first, terms.frequency.periods_per_year)
        if first == 0 and terms.first_due_date is not None:
            odd = Fraction(days360(terms.start_date, terms.first_due_date), 360)
            span += odd - Fraction(1, terms.frequency.periods_per_year)
        return span
    begin = dates[first - 1] if first else terms.start_date
    return Fraction((dates[stop - 1] - begin).days, year_basis(terms.day_count))


def _build(
    terms: LoanTerms,
    *,
    dates: list[date] | None = None,
    installment: Decimal | None = None,
    first_number: int = 1,
) -> Schedule:
    """Rows and summary of validated terms.

    The keyword arguments serve re-amortisation (prepayment, deferral): `dates` keeps the original
    loan's due dates (its anchor day may differ from the remainder's first due date, e.g. a series on
    the 31st continuing from Apr 30), `installment` keeps the old annuity payment (shorten-term
    prepayment) and `first_number` continues the original row numbering.
    """
    with localcontext(ENGINE_CONTEXT), _refused_if_unpayable():
        regular = dates is None and _on_whole_unit_periods(terms)
        if dates is None:
            dates = due_dates(terms.start_date, terms.frequency, terms.term, terms.first_due_date)
        fast = terms.method is Method.ANNUITY or terms.method is Method.INTEREST_ONLY
        nums, dens, uppers = _period_rates_and_bounds(terms, dates, bounds=fast)
        rows, total_interest = _rows(terms, dates, nums, dens, installment, first_number, uppers)
        if fast and not _upper_rates_exact(terms, total_interest):
            rows, total_interest = _rows(terms, dates, nums, dens, installment, first_number)
        if rows[-1].payment > LARGEST_PAYMENT:
            raise _unpayable()
        frozen = tuple(rows)
        return Schedule(terms=terms, rows=frozen, summary=_summarise(terms, frozen, regular, total_interest))


# Below this bound on (balance in cents) x (numerator of the period rate) the shortcut of `_rows` is
# provably exact; see there.
_EXACT_PRODUCTS = 10**32


def _upper_rates_exact(terms: LoanTerms, total_interest: Decimal) -> bool:
    """Whether every row's interest product stayed below `_EXACT_PRODUCTS` (see `_rows`).

    A row's exact interest in cents is n / q with n = balance (cents) x a and q = b x den for the
    period rate num / den, num = a / b; b divides the annual rate's denominator and den is at most
    365, and the rounded interest is at least n / q - 1/2, so n < (interest + 1/2) x q, and no row's
    interest exceeds the total (all are >= 0).
    """
    q = terms.annual_rate.as_integer_ratio()[1] * 365
    return (2 * abs(int(total_interest.scaleb(2))) + 1) * q < 2 * _EXACT_PRODUCTS


def _rows(
    terms: LoanTerms,
    dates: list[date],
    nums: list[Decimal],
    dens: list[Decimal],
    installment: Decimal | None,
    first_number: int,
    uppers: list[Decimal] | None = None,
) -> tuple[list[Installment], Decimal]:
    """The rows of validated terms (see the module docstring) and their total interest, in the
    caller's engine context.

    Each row's interest is ``balance x num / den`` rounded half-up to the cent: one loop per phase
    and method keeps the per-row work to a handful of Decimal operations. With `uppers` (the period
    rates num / den rounded up to 34 digits, see `_period_rates_and_bounds`) the annuity and
    interest-only rows take ``balance x upper`` rounded up instead, one multiplication where the plain
    form needs a multiplication and a division, and give the same cent:

    * the result is never below the exact ``balance x num / den`` and exceeds it by at most about
      2e-33 of it (two roundings up, each under 1e-33);
    * the exact interest in cents, n / q (see `_upper_rates_exact`), is either exactly on a half-cent
      -- the result is then at or just above it and rounds up, as half-up does -- or at least
      1 / 2q away from every half-cent, farther than 2e-33 x n / q whenever n < 1e32, so both round
      to the same cent. The plain form, whose roundings are as small, equals the exact rounding too.

    The caller checks the bound on n after the fact (`_upper_rates_exact`) and otherwise rebuilds
    the rows without `uppers`, the plain form. Equal principal keeps the plain form: its installment
    adds the unrounded interest to the unrounded level principal.
    """
    n = terms.term
    method = terms.method
    grace = terms.grace_periods
    fee = terms.periodic_fee
    last = n - 1
    quantize = MONEY_CONTEXT.quantize  # half-up; positional arguments: cheaper than Decimal.quantize
    number = first_number
    balance = terms.principal
    rows: list[Installment] = []
    append = rows.append

    if grace:
        capitalise = terms.grace is not None and terms.grace.kind is GraceKind.CAPITALISED
        for due, num, den in zip(dates[:grace], nums, dens, strict=False):
            interest = quantize(balance * num / den, CENT)
            if capitalise:
                balance += interest
                row = (number, due, fee, -interest, interest, fee, balance)
            else:
                row = (number, due, interest + fee, ZERO, interest, fee, balance)
            append(_new_row(Installment, row))
            number += 1

    level, bullet_interest = _amortising_start(terms, balance, installment, dates, nums, dens)
    level_interest = None  # the interest of rows grace .. last - 1, when known without summing them
    if uppers is not None and method is Method.ANNUITY:
        level_payment = level + fee
        opening, first, start = balance, number, len(rows)
        due_span, rate_span = dates[grace:last], uppers[grace:last]
        early = False
        with localcontext(_UPPER_CONTEXT):  # amounts in cents add and subtract exactly in any rounding
            # Without the paid-off-early test of each row: a row that repays more than the balance
            # leaves it negative, and it stays negative (each later row repays at least the level
            # amount), so a negative balance at the end tells, and the rows are redone with the test.
            # Past such a row the negative balance may also compound beyond 34 digits: the same.
            # A row whose interest exceeds the level payment (a 366-day period under ACT/365 at
            # the start of a long term) is redone the same way: it pays its interest, no principal.
            short = False
            try:
                for number, due, rate in zip(count(first), due_span, rate_span, strict=False):
                    interest = quantize(balance * rate, CENT)
                    principal = level - interest
                    if principal < 0:
                        short = True
                    balance -= principal
                    row = (number, due, level_payment, principal, interest, fee, balance)
                    append(_new_row(Installment, row))
            except InvalidOperation:
                balance = -CENT
            if balance < 0 or short:
                del rows[start:]
                balance = opening
                early = True
                for number, due, rate in zip(
                    count(first), dates[grace:last], uppers[grace:last], strict=False
                ):
                    interest = quantize(balance * rate, CENT)
                    principal = level - interest
                    if principal > balance:  # paid off early by rounding or a promotion
                        principal = balance
                        payment = principal + interest + fee
                    elif principal < 0:  # the period's interest exceeds the level payment
                        principal = ZERO
                        payment = interest + fee
                    else:
                        payment = level_payment
                    balance -= principal
                    append(_new_row(Installment, (number, due, payment, principal, interest, fee, balance)))
        number = first + len(rows) - start
        if not early:
            # Each row's interest is level - principal, and the principal parts sum to what was repaid.
            level_interest = level * max(last - grace, 0) - (opening - balance)
    elif uppers is not None and method is Method.INTEREST_ONLY:
        with localcontext(_UPPER_CONTEXT):
            for due, rate in zip(dates[grace:last], uppers[grace:last], strict=True):
                interest = quantize(balance * rate, CENT)
                payment = interest + fee if fee else interest
                append(_new_row(Installment, (number, due, payment, ZERO, interest, fee, balance)))
                number += 1
    else:
        span = zip(dates[grace:last], nums[grace:last], dens[grace:last], strict=True)
        if method is Method.ANNUITY:
            level_payment = level + fee
            for due, num, den in span:
                interest = quantize(balance * num / den, CENT)
                principal = level - interest
                if principal > balance:  # paid off early by rounding or a promotion
                    principal = balance
                    payment = principal + interest + fee
                elif principal < 0:  # the period's interest exceeds the level payment
                    principal = ZERO
                    payment = interest + fee
                else:
                    payment = level_payment
                balance -= principal
                append(_new_row(Installment, (number, due, payment, principal, interest, fee, balance)))
                number += 1
        elif method is Method.EQUAL_PRINCIPAL:
            for due, num, den in span:
                exact = balance * num / den
                interest = quantize(exact, CENT)
                due_now = quantize(level + exact, CENT)  # principal + interest of this row
                principal = due_now - interest
                if principal > balance:
                    principal = balance
                    due_now = principal + interest
                balance -= principal
                row = (number, due, due_now + fee if fee else due_now, principal, interest, fee, balance)
                append(_new_row(Installment, row))
                number += 1
        elif method is Method.INTEREST_ONLY:
            for due, num, den in span:
                interest = quantize(balance * num / den, CENT)
                payment = interest + fee if fee else interest
                append(_new_row(Installment, (number, due, payment, ZERO, interest, fee, balance)))
                number += 1
        else:  # bullet: nothing but fees until maturity
            for due in dates[grace:last]:
                append(_new_row(Installment, (number, due, fee, ZERO, ZERO, fee, balance)))
                number += 1

    if method is Method.BULLET:
        interest = bullet_interest
    else:
        interest = quantize(balance * nums[last] / dens[last], CENT)
    append(
        _new_row(Installment, (number, dates[last], balance + interest + fee, balance, interest, fee, ZERO))
    )
    if level_interest is None:
        return rows, sum(map(itemgetter(4), rows), ZERO)
    return rows, sum(map(itemgetter(4), rows[:grace]), ZERO) + level_interest + interest


# Each period's interest is rounded to the cent, and under a high enough rate those cents compound
# over a long term into a last payment no loan could have (0.5 cent x 1.375**218 at 150 % a year
# in quarters); past a point the amounts outgrow 34 digits altogether. Terms whose last payment
# would pass 10**20 (far beyond any real loan, well inside what the 34-digit context and the API's
# 30-digit amounts carry exactly) are refused; below that the schedule is computed as asked.
LARGEST_PAYMENT = MAX_PRINCIPAL * 10**9


def _unpayable() -> EngineValidationError:
    return EngineValidationError(
        {
            "term": [
                Message(
                    gettext_noop(
                        "at this rate the cent rounding of each period compounds over the term into"
                        " amounts no schedule can carry: shorten the term or lower the rate"
                    )
                )
            ]
        }
    )


@contextmanager
def _refused_if_unpayable() -> Iterator[None]:
    try:
        yield
    except InvalidOperation:  # an amount outgrew the 34-digit context
        raise _unpayable() from None


def _on_whole_unit_periods(terms: LoanTerms) -> bool:
    """Whether installment k of these terms' own due dates falls exactly k APR unit periods (Appendix
    J, see `apr`) after the start, so the APR needs no count-back from each date.

    True without an odd first period for every frequency but semimonthly (month-end clamping
    included: a clamped date counts back to the start's day). Semimonthly only from a start on the
    1st to the 13th: both paydays (d, d + 15) then stay within every month and lie whole half-months
    (15 days) from the start; from other days a payday is a fraction of a half-month off.
    """
    if terms.first_due_date is not None:
        return False
    return terms.frequency is not Frequency.SEMIMONTHLY or terms.start_date.day <= 13


def actual_annuity_payment(balance: Decimal, nums: list[Decimal], dens: list[Decimal]) -> Decimal:
    """The exact (unrounded) level payment amortising `balance` over periods of rates nums[k]/dens[k].

    A = B x P / S, P = prod(1 + r_k), S = sum over j of prod over k > j of (1 + r_k): the balance
    after the last period, B x P - A x S, is then zero. Summed from the last period backwards.
    """
    with localcontext(ENGINE_CONTEXT):
        growth = Decimal(1)
        annuity = Decimal(0)
        factors: dict[tuple[Decimal, Decimal], Decimal] = {}  # periods have few distinct lengths
        for num, den in zip(reversed(nums), reversed(dens), strict=True):
            annuity += growth
            factor = factors.get((num, den))
            if factor is None:
                factor = factors[(num, den)] = (den + num) / den
            growth *= factor
        return balance * growth / annuity


def _amortising_start(
    terms: LoanTerms,
    balance: Decimal,
    installment: Decimal | None,
    dates: list[date],
    nums: list[Decimal],
    dens: list[Decimal],
) -> tuple[Decimal, Decimal]:
    """(level amount, bullet interest) fixed when amortisation starts on the balance left after grace."""
    grace = terms.grace_periods
    remaining = terms.term - grace
    if terms.method is Method.ANNUITY:
        if installment is not None:
            return installment, ZERO
        if terms.day_count is not DayCount.THIRTY_360:
            return quantize_money(actual_annuity_payment(balance, nums[grace:], dens[grace:])), ZERO
        free = max(terms.interest_free_periods - grace, 0)
        rate = terms.annual_rate / terms.frequency.periods_per_year
        return quantize_money(annuity_payment(balance, rate, remaining, free)), ZERO
    if terms.method is Method.EQUAL_PRINCIPAL:
        return balance / remaining, ZERO
    if terms.method is Method.BULLET:
        span = _year_span(terms, dates, grace, terms.term)
        return ZERO, quantize_money(balance * terms.annual_rate * span.numerator / span.denominator)
    return ZERO, ZERO


def schedule_from_terms(terms: LoanTerms) -> Schedule:
    """The schedule of terms already checked by `validate_terms`."""
    return _build(terms)


def build_schedule(
    *,
    principal: object,
    annual_rate: object,
    term: object,
    frequency: object,
    method: object,
    start_date: object,
    first_due_date: object = None,
    day_count: object = DayCount.THIRTY_360,
    grace: object = None,
    interest_free_periods: object = 0,
    fees: object = (),
) -> Schedule:
    """Validate loan terms and compute their repayment schedule.

    Arguments are named like the API request fields; amounts and rates are Decimals (or decimal
    strings), never floats. Raises `EngineValidationError` with every bad field (see `validate_terms`).
    """
    terms = validate_terms(
        principal=principal,
        annual_rate=annual_rate,
        term=term,
        frequency=frequency,
        method=method,
        start_date=start_date,
        first_due_date=first_due_date,
        day_count=day_count,
        grace=grace,
        interest_free_periods=interest_free_periods,
        fees=fees,
    )
    return _build(terms)
