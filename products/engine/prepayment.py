"""Changes to a running loan: full payoff quote, partial prepayment, deferral of installments,
repricing of a floating rate.

Common rules:

* Installments due on or before the event date are taken as paid as scheduled; the event works on
  the balance after the last of them.
* Interest accrued since the last due date (or the start date): for ACT/365 and ACT/360 the balance x
  rate x days elapsed / 365 (360); for 30/360 the period's interest pro rata by actual days elapsed over
  actual days in the period. Rounded half-up to the cent. Interest-free periods accrue nothing; a
  bullet loan accrues simple interest from the end of its grace period, none of which has been paid.
* Prepayment fee = fee_rate x (principal prepaid - free_allowance, not below zero), rounded half-up.
* A re-amortised remainder keeps the original due dates and row numbers; it starts on the event date
  with its first due date at the next original due date, so for 30/360 a stub period is charged by
  days360 like any odd first period. Remaining grace and interest-free periods carry over, periodic
  fees continue at the same amount, and no upfront fee is charged again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal, localcontext
from fractions import Fraction
from typing import cast

from .enums import FeeKind, GraceKind, Method, PrepaymentMode
from .errors import ErrorCollector, gettext_noop
from .holiday import deferred_after, spread_parts, with_deferred
from .money import ENGINE_CONTEXT, ZERO, quantize_money
from .parsing import parse_choice, parse_date, parse_decimal, parse_int
from .schedule import Installment, Schedule, _build, _period_rates, _year_span
from .summary import _summarise
from .terms import MAX_ANNUAL_RATE, MAX_PRINCIPAL, RATE_MAX_PLACES, Fee, Grace, LoanTerms, validate_terms

__all__ = [
    "DeferralResult",
    "PayoffQuote",
    "SpreadDeferralResult",
    "PrepaymentResult",
    "RepricingResult",
    "defer_installments",
    "defer_installments_spread",
    "payoff_quote",
    "prepay",
    "reprice",
]


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What closes the loan on `payoff_date`: principal + accrued interest + prepayment fee."""

    payoff_date: date
    installments_paid: int
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class PrepaymentResult:
    """A partial prepayment and the re-amortised remainder of the loan.

    The borrower pays `total_paid` = prepaid_principal + interest (accrued to the date) + fee on
    `prepayment_date`; `remaining` holds the installments after it. `interest_saved` compares the
    interest of the original remaining installments with the accrued interest plus the new schedule's.
    """

    prepayment_date: date
    mode: PrepaymentMode
    installments_paid: int
    prepaid_principal: Decimal
    interest: Decimal
    fee: Decimal
    total_paid: Decimal
    remaining: Schedule
    interest_saved: Decimal


@dataclass(frozen=True, slots=True)
class DeferralResult:
    """A payment holiday: the deferred installments' interest capitalised, the rest re-amortised.

    `remaining` starts with the deferred rows (no payment, capitalised interest shown as in a
    capitalised grace) and ends on the original maturity date.
    """

    first_deferred: int
    deferred_installments: int
    capitalised_interest: Decimal
    remaining: Schedule


@dataclass(frozen=True, slots=True)
class SpreadDeferralResult:
    """A payment holiday whose interest is spread (not capitalised) over the installments after it.

    `remaining` starts with the deferred rows (nothing due but the periodic fee, balance unchanged)
    and ends on the original maturity date; `spread` holds the extra interest part of each later row
    (already included in its `interest`), summing to `holiday_interest` exactly.
    """

    first_deferred: int
    deferred_installments: int
    holiday_interest: Decimal
    spread: tuple[Decimal, ...]
    remaining: Schedule


@dataclass(frozen=True, slots=True)
class RepricingResult:
    """A floating rate reset (利率重定价): the rest of the loan re-amortised at `annual_rate`.

    The new rate runs from `effective_date`, the first period boundary (the start date or a due
    date) on or after the reset date, so no interest period is split: the `installments_kept`
    rows due on or before it keep their figures, and `remaining` holds the installments after it
    (same due dates, the balance then re-amortised over them at the new rate).
    """

    reset_date: date
    effective_date: date
    installments_kept: int
    annual_rate: Decimal
    remaining: Schedule


def _paid_count(schedule: Schedule, on: date) -> int:
    rows = schedule.rows
    lo, hi = 0, len(rows)
    while lo < hi:  # rows are in due-date order: binary search for the first row due after `on`
        mid = (lo + hi) // 2
        if rows[mid].due_date <= on:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _accrued_interest(schedule: Schedule, paid: int, on: date) -> Decimal:
    """Interest accrued and unpaid on `on` (see the module docstring), rounded half-up."""
    terms = schedule.terms
    rows = schedule.rows
    balance = rows[paid - 1].balance if paid else terms.principal
    period_start = rows[paid - 1].due_date if paid else terms.start_date
    period_end = rows[paid].due_date
    elapsed = Fraction((on - period_start).days, (period_end - period_start).days)
    dates = [row.due_date for row in rows]
    with localcontext(ENGINE_CONTEXT):
        nums, dens = _period_rates(terms, dates)
        if terms.method is Method.BULLET and paid >= terms.grace_periods:
            span = _year_span(terms, dates, terms.grace_periods, paid)
            span += _year_span(terms, dates, paid, paid + 1) * elapsed
            return quantize_money(balance * terms.annual_rate * span.numerator / span.denominator)
        return quantize_money(balance * nums[paid] * elapsed.numerator / (dens[paid] * elapsed.denominator))


def _fee(principal: Decimal, fee_rate: Decimal, free_allowance: Decimal) -> Decimal:
    chargeable = principal - free_allowance
    return quantize_money(chargeable * fee_rate) if chargeable > 0 else ZERO


def _parse_fee_terms(
    fee_rate: object, free_allowance: object, errors: ErrorCollector
) -> tuple[Decimal, Decimal]:
    rate = parse_decimal(fee_rate, "fee_rate", errors, minimum=ZERO, maximum=Decimal(1), max_places=12)
    allowance = parse_decimal(
        free_allowance, "free_allowance", errors, minimum=ZERO, maximum=MAX_PRINCIPAL, max_places=2
    )
    return rate or ZERO, allowance or ZERO


def _check_event_date(schedule: Schedule, value: object, field: str, errors: ErrorCollector) -> date | None:
    on = parse_date(value, field, errors)
    if on is None:
        return None
    if on < schedule.terms.start_date:
        errors.add(field, gettext_noop("must not be before the loan's start_date"))
        return None
    if on >= schedule.rows[-1].due_date:
        errors.add(
            field,
            gettext_noop("must be before the last due date {date}"),
            date=schedule.rows[-1].due_date.isoformat(),
        )
        return None
    return on


def payoff_quote(
    schedule: Schedule, *, payoff_date: object, fee_rate: object = ZERO, free_allowance: object = ZERO
) -> PayoffQuote:
    """The amount that closes the loan on `payoff_date` (提前全部还款).

    Installments due on or before the date are taken as paid; the quote is the outstanding principal
    + interest accrued since the last due date (+ a spread holiday's interest not yet due)
    + fee_rate x (principal - free_allowance).
    Raises `EngineValidationError` (payoff_date, fee_rate, free_allowance).
    """
    errors = ErrorCollector()
    on = _check_event_date(schedule, payoff_date, "payoff_date", errors)
    rate, allowance = _parse_fee_terms(fee_rate, free_allowance, errors)
    errors.raise_if_any()
    on = cast(date, on)  # present once raise_if_any has passed
    paid = _paid_count(schedule, on)
    principal = schedule.rows[paid - 1].balance if paid else schedule.terms.principal
    # A spread holiday's interest not yet due is owed in full (`products.engine.holiday`).
    interest = _accrued_interest(schedule, paid, on) + deferred_after(schedule, paid)
    fee = _fee(principal, rate, allowance)
    return PayoffQuote(
        payoff_date=on,
        installments_paid=paid,
        principal=principal,
        interest=interest,
        fee=fee,
        total=principal + interest + fee,
    )


def _remainder_terms(
    terms: LoanTerms,
    *,
    principal: Decimal,
    start: date,
    first_due: date,
    term: int,
    paid: int,
    extra_grace: Grace | None = None,
    annual_rate: Decimal | None = None,
    max_interest_free: int | None = None,
) -> LoanTerms:
    """Terms of the re-amortised rest of a loan after `paid` installments."""
    if extra_grace is not None:
        grace: Grace | None = extra_grace
    else:
        left = terms.grace_periods - paid
        grace = Grace(left, terms.grace.kind) if terms.grace is not None and left > 0 else None
    fees = (Fee(FeeKind.PERIODIC, terms.periodic_fee),) if terms.periodic_fee else ()
    left_free = max(terms.interest_free_periods - paid, 0)
    free = left_free if max_interest_free is None else min(left_free, max_interest_free)
    # The interest-free rows are the first ones and may be grace (deferred) rows too; the catalogue's
    # rule that grace plus interest-free periods fit in the term is for new loans, not for the rest
    # of one: a holiday over the interest-free installments left keeps them free (they stay free, no
    # interest to capitalise), where validating them apart would refuse the deferral.
    grace_count = grace.periods if grace is not None else 0
    checked = min(free, max(term - grace_count, 0))
    validated = validate_terms(
        principal=principal,
        annual_rate=terms.annual_rate if annual_rate is None else annual_rate,
        term=term,
        frequency=terms.frequency,
        method=terms.method,
        start_date=start,
        first_due_date=first_due,
        day_count=terms.day_count,
        grace=grace,
        interest_free_periods=checked,
        fees=fees,
    )
    return validated if checked == free else replace(validated, interest_free_periods=free)


def _shortened_term(terms: LoanTerms, dates: list[date], level: Decimal) -> int:
    """Fewest installments that repay `terms.principal` paying the old annuity `level` (the last one
    absorbing the remainder), found by running the amortisation rather than by a closed formula so that
    grace, promotions and ACT day counts are honoured exactly."""
    with localcontext(ENGINE_CONTEXT):
        nums, dens = _period_rates(terms, dates)
        balance = terms.principal
        grace = terms.grace_periods
        capitalise = terms.grace is not None and terms.grace.kind is GraceKind.CAPITALISED
        for k in range(terms.term):
            interest = quantize_money(balance * nums[k] / dens[k])
            if k < grace:
                if capitalise:
                    balance += interest
                continue
            if level - interest >= balance:
                return k + 1
            balance -= level - interest
        return terms.term


def prepay(
    schedule: Schedule,
    *,
    prepayment_date: object,
    amount: object,
    mode: object,
    fee_rate: object = ZERO,
    free_allowance: object = ZERO,
) -> PrepaymentResult:
    """Partial prepayment of `amount` principal on `prepayment_date` (部分提前还款).

    `reduce_installment` keeps the remaining number of installments and re-amortises a lower one;
    `shorten_term` keeps the installment (annuity) or the principal share (equal principal) and needs
    fewer installments. Interest accrued to the date and the prepayment fee are paid with the amount.
    Raises `EngineValidationError` (prepayment_date, amount, mode, fee_rate, free_allowance).
    """
    errors = ErrorCollector()
    terms = schedule.terms
    on = _check_event_date(schedule, prepayment_date, "prepayment_date", errors)
    chosen = parse_choice(mode, PrepaymentMode, "mode", errors)
    rate, allowance = _parse_fee_terms(fee_rate, free_allowance, errors)
    prepaid = parse_decimal(amount, "amount", errors, minimum=ZERO, min_exclusive=True, max_places=2)
    paid = _paid_count(schedule, on) if on is not None else 0
    balance = schedule.rows[paid - 1].balance if paid else terms.principal
    if prepaid is not None and on is not None and prepaid >= balance:
        errors.add(
            "amount",
            gettext_noop("must be less than the outstanding principal {balance}; quote a payoff instead"),
            balance=balance,
        )
    if chosen is PrepaymentMode.SHORTEN_TERM and terms.method in (Method.INTEREST_ONLY, Method.BULLET):
        errors.add(
            "mode", gettext_noop("shorten_term needs an amortising method (annuity or equal_principal)")
        )
    errors.raise_if_any()
    on, prepaid, chosen = cast(date, on), cast(Decimal, prepaid), cast(PrepaymentMode, chosen)

    interest = _accrued_interest(schedule, paid, on)
    fee = _fee(prepaid, rate, allowance)
    dates = [row.due_date for row in schedule.rows[paid:]]
    remaining_terms = _remainder_terms(
        terms, principal=balance - prepaid, start=on, first_due=dates[0], term=len(dates), paid=paid
    )
    installment: Decimal | None = None
    if chosen is PrepaymentMode.SHORTEN_TERM:
        if terms.method is Method.ANNUITY:
            installment = schedule.installment
            count = _shortened_term(remaining_terms, dates, installment)
        else:
            # Equal principal keeps the original principal share per installment.
            grace = terms.grace_periods
            after_grace = schedule.rows[grace - 1].balance if grace else terms.principal
            with localcontext(ENGINE_CONTEXT):
                share = after_grace / (terms.term - grace)
                amortising = int(((balance - prepaid) / share).to_integral_value(rounding=ROUND_CEILING))
            count = min(remaining_terms.grace_periods + amortising, len(dates))
        if count < len(dates):
            remaining_terms = _remainder_terms(
                terms, principal=balance - prepaid, start=on, first_due=dates[0], term=count, paid=paid
            )
            dates = dates[:count]
    remaining = _build(remaining_terms, dates=dates, installment=installment, first_number=paid + 1)
    remaining = with_deferred(remaining, deferred_after(schedule, paid))
    before = sum((row.interest for row in schedule.rows[paid:]), ZERO)
    return PrepaymentResult(
        prepayment_date=on,
        mode=chosen,
        installments_paid=paid,
        prepaid_principal=prepaid,
        interest=interest,
        fee=fee,
        total_paid=prepaid + interest + fee,
        remaining=remaining,
        interest_saved=before - interest - remaining.summary.total_interest,
    )


def defer_installments(
    schedule: Schedule, *, first_installment: object, installments: object
) -> DeferralResult:
    """Defer `installments` installments starting with number `first_installment` (延期还款).

    Earlier installments are taken as paid. Nothing is due on the deferred dates; their interest is
    capitalised, and the grown balance is re-amortised over the installments left before the original
    maturity. Raises `EngineValidationError` (first_installment, installments).
    """
    first, count = _check_deferral(schedule, first_installment, installments)
    terms = schedule.terms
    paid = first - 1
    balance = schedule.rows[paid - 1].balance if paid else terms.principal
    start = schedule.rows[paid - 1].due_date if paid else terms.start_date
    dates = [row.due_date for row in schedule.rows[paid:]]
    remaining_terms = _remainder_terms(
        terms,
        principal=balance,
        start=start,
        first_due=dates[0],
        term=len(dates),
        paid=paid,
        extra_grace=Grace(count, GraceKind.CAPITALISED),
    )
    remaining = _build(remaining_terms, dates=dates, first_number=first)
    capitalised = sum((row.interest for row in remaining.rows[:count]), ZERO)
    remaining = with_deferred(remaining, deferred_after(schedule, paid), start_index=count)
    return DeferralResult(
        first_deferred=first,
        deferred_installments=count,
        capitalised_interest=capitalised,
        remaining=remaining,
    )


def _check_deferral(schedule: Schedule, first_installment: object, installments: object) -> tuple[int, int]:
    errors = ErrorCollector()
    terms = schedule.terms
    n = terms.term
    first = parse_int(first_installment, "first_installment", errors, minimum=1, maximum=n)
    count = parse_int(installments, "installments", errors, minimum=1, maximum=n)
    if terms.method is Method.BULLET:
        errors.add("installments", gettext_noop("a bullet loan has no installments to defer"))
    if first is not None and first <= terms.grace_periods:
        errors.add("first_installment", gettext_noop("cannot defer an installment inside the grace period"))
    if first is not None and count is not None and first - 1 + count >= n:
        errors.add(
            "installments", gettext_noop("the deferral must leave at least one installment before maturity")
        )
    if first is not None and first > 1 and schedule.rows[first - 2].balance <= 0:
        errors.add("first_installment", gettext_noop("the loan is repaid before this installment"))
    errors.raise_if_any()
    return cast(int, first), cast(int, count)


def defer_installments_spread(
    schedule: Schedule, *, first_installment: object, installments: object
) -> SpreadDeferralResult:
    """Defer `installments` installments from number `first_installment`, the holiday's interest
    spread over the installments after it (延期还款, 利息分摊).

    Earlier installments are taken as paid. On the deferred dates only the periodic fee (if any) is
    due; the balance B then outstanding is re-amortised (same method, rate and due dates) over the
    k installments left before the original maturity, its first period starting on the last
    deferred date. The holiday interest H = B x annual rate x the holiday's year fraction under the
    loan's day count (interest-free periods excluded), rounded half-up to the cent once; each of the
    k later installments carries H / k rounded DOWN to the cent as extra interest and the last one
    the remainder, so the parts add up to H exactly and none is negative (rounding each part
    half-up would let the last go negative: H = 100.00, k = 240 gives parts of 0.42 and a last one
    of -0.38). The remainder's `terms` do not know the parts; `remaining.deferred_interest` records
    them, so a later `prepay`, `reprice` or deferral spreads those not yet due over its new rows and
    `payoff_quote` owes them (`products.engine.holiday`). Raises `EngineValidationError`
    (first_installment, installments).
    """
    first, count = _check_deferral(schedule, first_installment, installments)
    terms = schedule.terms
    paid = first - 1
    balance = schedule.rows[paid - 1].balance if paid else terms.principal
    start = schedule.rows[paid - 1].due_date if paid else terms.start_date
    dates = [row.due_date for row in schedule.rows[paid:]]
    holiday_terms = _remainder_terms(
        terms, principal=balance, start=start, first_due=dates[0], term=len(dates), paid=paid
    )
    span = _year_span(holiday_terms, dates, 0, count)
    with localcontext(ENGINE_CONTEXT):
        holiday = quantize_money(balance * terms.annual_rate * span.numerator / span.denominator)
    amortising = _build(
        _remainder_terms(
            terms,
            principal=balance,
            start=dates[count - 1],
            first_due=dates[count],
            term=len(dates) - count,
            paid=paid + count,
        ),
        dates=dates[count:],
        first_number=first + count,
    )
    spread = spread_parts(holiday, len(amortising.rows))
    fee = terms.periodic_fee
    deferred = [
        Installment(first + i, due, fee, ZERO, ZERO, fee, balance) for i, due in enumerate(dates[:count])
    ]
    later = [
        row._replace(interest=row.interest + extra, payment=row.payment + extra)
        for row, extra in zip(amortising.rows, spread, strict=True)
    ]
    rows = tuple(deferred + later)
    # The remainder's terms describe the holiday as a grace period, so that no later deferral
    # starts inside it.
    remaining_terms = _remainder_terms(
        terms,
        principal=balance,
        start=start,
        first_due=dates[0],
        term=len(dates),
        paid=paid,
        extra_grace=Grace(count, GraceKind.CAPITALISED),
        max_interest_free=len(dates) - count,
    )
    total_interest = amortising.summary.total_interest + holiday
    remaining = Schedule(
        terms=remaining_terms,
        rows=rows,
        summary=_summarise(remaining_terms, rows, False, total_interest),
        deferred_interest=tuple(
            (row.due_date, extra) for row, extra in zip(later, spread, strict=True) if extra
        ),
    )
    # An earlier holiday's interest not yet due moves past this one (it stays owed).
    remaining = with_deferred(remaining, deferred_after(schedule, paid), start_index=count)
    return SpreadDeferralResult(
        first_deferred=first,
        deferred_installments=count,
        holiday_interest=holiday,
        spread=spread,
        remaining=remaining,
    )


def reprice(schedule: Schedule, *, reset_date: object, annual_rate: object) -> RepricingResult:
    """Reprice a floating-rate loan on `reset_date` at `annual_rate` (LPR + spread).

    Installments due up to the first period boundary on or after the reset date are kept; the
    balance after them is re-amortised at the new rate over the same remaining due dates (grace
    and interest-free periods left carry over, as for a prepayment). Raises
    `EngineValidationError` (reset_date, annual_rate); a reset with no installment after the
    boundary is refused on reset_date.
    """
    errors = ErrorCollector()
    terms = schedule.terms
    on = parse_date(reset_date, "reset_date", errors)
    rate = parse_decimal(
        annual_rate, "annual_rate", errors, minimum=ZERO, maximum=MAX_ANNUAL_RATE, max_places=RATE_MAX_PLACES
    )
    rows = schedule.rows
    bounds = [terms.start_date, *(row.due_date for row in rows)]
    kept = next((k for k, bound in enumerate(bounds) if on is not None and bound >= on), len(bounds))
    if on is not None and kept >= len(rows):
        errors.add("reset_date", gettext_noop("no installment falls due after the reset date"))
    errors.raise_if_any()
    on, rate = cast(date, on), cast(Decimal, rate)

    balance = rows[kept - 1].balance if kept else terms.principal
    dates = [row.due_date for row in rows[kept:]]
    remaining_terms = _remainder_terms(
        terms,
        principal=balance,
        start=bounds[kept],
        first_due=dates[0],
        term=len(dates),
        paid=kept,
        annual_rate=rate,
    )
    remaining = _build(remaining_terms, dates=dates, first_number=rows[kept].number)
    remaining = with_deferred(remaining, deferred_after(schedule, kept))
    return RepricingResult(
        reset_date=on,
        effective_date=bounds[kept],
        installments_kept=kept,
        annual_rate=rate,
        remaining=remaining,
    )
