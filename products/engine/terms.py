"""Loan terms: the validated input of a schedule, and the validation itself.

`validate_terms` is the single place that decides whether terms are acceptable. It reports every bad
field at once through `EngineValidationError.errors`, keyed by the API request's field names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import cast

from .dates import add_months, due_dates, nth_due_date
from .enums import DayCount, FeeKind, Frequency, GraceKind, Method
from .errors import ErrorCollector, gettext_noop
from .money import ENGINE_CONTEXT, ZERO, quantize_money
from .parsing import parse_choice, parse_date, parse_decimal, parse_int

__all__ = [
    "MAX_ANNUAL_RATE",
    "MAX_PRINCIPAL",
    "MAX_TERM",
    "Fee",
    "Grace",
    "LoanTerms",
    "validate_terms",
]

MAX_PRINCIPAL = Decimal("1e11")
MAX_ANNUAL_RATE = Decimal(10)
MAX_TERM = 1200
# Rates come from DecimalField(max_digits=12, decimal_places=8) columns; 12 places leaves headroom
# while keeping every product with an amount exact in the 34-digit engine context.
RATE_MAX_PLACES = 12


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee on the loan. `value` is money for fixed kinds, a fraction of the principal for *_percent."""

    kind: FeeKind
    value: Decimal


@dataclass(frozen=True, slots=True)
class Grace:
    """`periods` first installments without principal: interest paid, or capitalised (nothing paid)."""

    periods: int
    kind: GraceKind = GraceKind.INTEREST_ONLY


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """Validated loan terms; build them with `validate_terms`, which normalises every field.

    `first_due_date` is None when the first period is a regular one (a given first due date equal to
    the regular one is dropped), so "has an odd first period" is simply ``first_due_date is not None``.
    """

    principal: Decimal
    annual_rate: Decimal
    term: int
    frequency: Frequency
    method: Method
    start_date: date
    first_due_date: date | None
    day_count: DayCount
    grace: Grace | None
    interest_free_periods: int
    fees: tuple[Fee, ...]

    @property
    def grace_periods(self) -> int:
        return 0 if self.grace is None else self.grace.periods

    @property
    def upfront_fee_total(self) -> Decimal:
        """Fees netted from the proceeds at disbursement, each rounded to the cent."""
        total = ZERO
        for fee in self.fees:
            if fee.kind is FeeKind.UPFRONT:
                total += fee.value
            elif fee.kind is FeeKind.UPFRONT_PERCENT:
                total += quantize_money(self.principal * fee.value)
        return total

    @property
    def periodic_fee(self) -> Decimal:
        """Fees added to every installment, each rounded to the cent."""
        total = ZERO
        for fee in self.fees:
            if fee.kind is FeeKind.PERIODIC:
                total += fee.value
            elif fee.kind is FeeKind.PERIODIC_PERCENT:
                total += quantize_money(self.principal * fee.value)
        return total


def _parse_grace(value: object, errors: ErrorCollector) -> Grace | None:
    if value is None:
        return None
    if isinstance(value, Grace):
        periods: object = value.periods
        kind: object = value.kind
    elif isinstance(value, Mapping):
        periods = value.get("periods")
        kind = value.get("kind", GraceKind.INTEREST_ONLY)
    else:
        errors.add("grace", gettext_noop("must be a Grace or a mapping with 'periods' and 'kind'"))
        return None
    inner = ErrorCollector()
    parsed_periods = parse_int(periods, "grace", inner, minimum=0, maximum=MAX_TERM)
    parsed_kind = parse_choice(kind, GraceKind, "grace", inner)
    for message in inner.errors.get("grace", []):
        errors.add("grace", message)
    if parsed_periods is None or parsed_kind is None:
        return None
    if parsed_periods == 0:
        return None
    return Grace(parsed_periods, parsed_kind)


def _parse_fees(value: object, errors: ErrorCollector) -> tuple[Fee, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        errors.add("fees", gettext_noop("must be a list of fees"))
        return None
    fees: list[Fee] = []
    ok = True
    for item in value:
        if isinstance(item, Fee):
            kind_raw: object = item.kind
            value_raw: object = item.value
        elif isinstance(item, Mapping):
            kind_raw = item.get("kind")
            value_raw = item.get("value")
        else:
            errors.add("fees", gettext_noop("each fee must be a Fee or a mapping with 'kind' and 'value'"))
            ok = False
            continue
        kind = parse_choice(kind_raw, FeeKind, "fees", errors)
        if kind is None:
            ok = False
            continue
        if kind in (FeeKind.UPFRONT, FeeKind.PERIODIC):
            amount = parse_decimal(
                value_raw, "fees", errors, minimum=ZERO, maximum=MAX_PRINCIPAL, max_places=2
            )
        else:
            amount = parse_decimal(
                value_raw, "fees", errors, minimum=ZERO, maximum=Decimal(1), max_places=RATE_MAX_PLACES
            )
        if amount is None:
            ok = False
            continue
        fees.append(Fee(kind, amount))
    return tuple(fees) if ok else None


def validate_terms(
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
) -> LoanTerms:
    """Check and normalise loan terms, or raise `EngineValidationError` listing every bad field.

    Refused: principal <= 0 or > 1e11 or with sub-cent digits; annual_rate < 0 or > 10 (1000 %);
    term outside 1..1200; unknown frequency, method, day count, grace kind or fee kind; a first due
    date on or before the start date or more than one regular period after the regular first due date;
    grace periods that leave no installment to repay the principal; grace plus interest-free periods
    beyond the term; fees that leave net proceeds <= 0; NaN, Infinity, floats and bools anywhere.
    """
    errors = ErrorCollector()
    p = parse_decimal(
        principal, "principal", errors, minimum=ZERO, min_exclusive=True, maximum=MAX_PRINCIPAL, max_places=2
    )
    rate = parse_decimal(
        annual_rate, "annual_rate", errors, minimum=ZERO, maximum=MAX_ANNUAL_RATE, max_places=RATE_MAX_PLACES
    )
    n = parse_int(term, "term", errors, minimum=1, maximum=MAX_TERM)
    freq = parse_choice(frequency, Frequency, "frequency", errors)
    meth = parse_choice(method, Method, "method", errors)
    start = parse_date(start_date, "start_date", errors)
    first = None if first_due_date is None else parse_date(first_due_date, "first_due_date", errors)
    dc = parse_choice(day_count, DayCount, "day_count", errors)
    gr = _parse_grace(grace, errors)
    promo = parse_int(interest_free_periods, "interest_free_periods", errors, minimum=0, maximum=MAX_TERM)
    fee_list = _parse_fees(fees, errors)

    if start is not None and first is not None:
        if first <= start:
            errors.add("first_due_date", gettext_noop("must be after start_date"))
            first = None
        elif freq is not None:
            try:
                regular = due_dates(start, freq, 2)
            except (ValueError, OverflowError):
                regular = None
            if regular is not None and first == regular[0]:
                first = None  # the "odd" first period is a regular one
            elif regular is not None and first > regular[1]:
                errors.add(
                    "first_due_date",
                    gettext_noop(
                        "must be no later than {date} (a first period of at most two regular periods)"
                    ),
                    date=regular[1].isoformat(),
                )
    if n is not None and start is not None and freq is not None and "first_due_date" not in errors:
        # 1,200 installments is 100 years of monthly payments; no frequency may run longer than that.
        try:
            maturity = nth_due_date(start, freq, n, first)
            latest = add_months(start, MAX_TERM)
        except (ValueError, OverflowError):
            errors.add("term", gettext_noop("the schedule would end after the year 9999"))
        else:
            if maturity > latest:
                errors.add(
                    "term",
                    gettext_noop("the schedule must end within 100 years of start_date (by {date})"),
                    date=latest.isoformat(),
                )
    if n is not None and gr is not None and gr.periods >= n:
        errors.add(
            "grace", gettext_noop("grace periods must leave at least one installment to repay the principal")
        )
    if n is not None and promo is not None and promo + (gr.periods if gr else 0) > n:
        errors.add(
            "interest_free_periods", gettext_noop("grace periods plus interest-free periods exceed the term")
        )
    if p is not None and fee_list:
        with localcontext(ENGINE_CONTEXT):
            upfront = sum(
                (
                    fee.value if fee.kind is FeeKind.UPFRONT else quantize_money(p * fee.value)
                    for fee in fee_list
                    if fee.kind in (FeeKind.UPFRONT, FeeKind.UPFRONT_PERCENT)
                ),
                ZERO,
            )
        if upfront >= p:
            errors.add(
                "fees",
                gettext_noop("upfront fees {fees} leave no net proceeds from principal {principal}"),
                fees=upfront,
                principal=p,
            )
    errors.raise_if_any()
    p = quantize_money(cast(Decimal, p))  # "100" and "100.0" become 100.00, the stored form
    if fee_list:
        fee_list = tuple(
            Fee(fee.kind, quantize_money(fee.value))
            if fee.kind in (FeeKind.UPFRONT, FeeKind.PERIODIC)
            else fee
            for fee in fee_list
        )
    # Past raise_if_any every parsed value is present; the casts only tell the type checker so.
    return LoanTerms(
        principal=p,
        annual_rate=cast(Decimal, rate),
        term=cast(int, n),
        frequency=cast(Frequency, freq),
        method=cast(Method, meth),
        start_date=cast(date, start),
        first_due_date=first,
        day_count=cast(DayCount, dc),
        grace=gr,
        interest_free_periods=cast(int, promo),
        fees=cast(tuple[Fee, ...], fee_list),
    )
