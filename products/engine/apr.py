"""Annual percentage rate by the actuarial method of US Regulation Z, Appendix J (12 CFR 1026).

The APR is the unit-period rate ``i`` that makes the present value of the borrower's payments equal
the present value of the advances (Appendix J (b)(8), the general equation), multiplied by the number
of unit periods in a year (Appendix J (b)(1)). Each cash flow sits ``t`` whole unit periods plus a
fraction ``f`` of a unit period after the first advance and is discounted by ``(1 + f*i) * (1 + i)**t``
-- simple interest for the odd fraction, compound for whole periods (Appendix J (b)(6) and (b)(8)).

See `apr_time` for how each cash flow's time is found (Appendix J (b)(3)-(b)(5)) and `apr_solver` for
how the rate is solved for; this module holds the public entry point and the rates it discloses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

# The solver's and the timing's helpers are re-exported here, where they lived before the split.
from .apr_solver import (  # noqa: F401
    _as_float,
    _bracket,
    _certified,
    _decimal_value,
    _expanded,
    _float_present_value,
    _float_solve,
    _FloatRoot,
    _initial_guess,
    _newton,
    _polish,
    _present_value,
    _rtsafe,
    _runs,
    _solve,
)
from .apr_time import (  # noqa: F401
    _FREQUENCY_UNITS,
    Buckets,
    _add,
    _bucket_by_days,
    _bucket_by_months,
    _count_back_years,
    _groups,
    _month_offset,
    _months_and_days,
    _timed,
    _unit_for_single_payment,
    _year_time,
)
from .enums import Frequency
from .errors import ErrorCollector, gettext_noop
from .money import ENGINE_CONTEXT, ZERO, quantize_rate
from .parsing import parse_choice, parse_decimal

__all__ = ["AprResult", "apr_of_cashflows"]

_RATE_RESULT_PLACES = Decimal("1e-20")


@dataclass(frozen=True, slots=True)
class AprResult:
    """APR and effective annual rate of a set of cash flows, with the unit period they rest on.

    `apr` and `effective_annual_rate` are fractions (0.0969 = 9.69 %) rounded half-up to six places;
    `unit_period_rate` is the solved rate per unit period to 20 places, for comparisons that need more.
    """

    apr: Decimal
    effective_annual_rate: Decimal
    unit_period: str
    unit_periods_per_year: Decimal
    unit_period_rate: Decimal


def _disclosed_rates(
    exact: list[tuple[int, int, list[Decimal]]], guess: float | None, per_year: Decimal, label: str
) -> tuple[Decimal, Decimal]:
    """(APR, effective annual rate) of cash flows, exactly as `_rates(_solve(...))` gives them: from
    the float root when `_certified` proves it enough (nearly always), else polished in Decimal."""
    found = _float_solve(exact, guess)
    rates = _certified(found, per_year)
    if rates is not None:
        return rates
    result = _rates(_polish(found), per_year, label)
    return result.apr, result.effective_annual_rate


def _rates(rate: Decimal, per_year: Decimal, label: str) -> AprResult:
    """APR and effective annual rate from the unit-period rate.

    Both derive from the rate rounded to 20 places, well inside the solver's accuracy, so the figures
    never depend on digits the solver does not guarantee.
    """
    with localcontext(ENGINE_CONTEXT):
        rate = rate.quantize(_RATE_RESULT_PLACES, rounding=ROUND_HALF_UP)
        if rate.is_zero():
            rate = rate.copy_abs()  # a zero rate's sign is rounding noise
        growth = (1 + rate) ** (int(per_year) if per_year == per_year.to_integral() else per_year)
        return AprResult(
            apr=quantize_rate(rate * per_year),
            effective_annual_rate=quantize_rate(growth - 1),
            unit_period=label,
            unit_periods_per_year=per_year,
            unit_period_rate=rate,
        )


def _apr(
    origin: date,
    advances: Sequence[tuple[date, Decimal]],
    payments: Sequence[tuple[date, Decimal]],
    frequency: Frequency | None,
) -> AprResult:
    """Appendix J APR of validated cash flows; `origin` is the first advance's date, payments > 0."""
    groups, per_year, label = _timed(origin, advances, payments, frequency)
    return _rates(_solve(groups), per_year, label)


def _schedule_rates(
    origin: date, advance: Decimal, payments: Sequence[tuple[date, Decimal]], frequency: Frequency
) -> tuple[Decimal, Decimal]:
    """(APR, effective annual rate) of a schedule's cash flows, as `_apr` gives them."""
    groups, per_year, label = _timed(origin, [(origin, advance)], payments, frequency)
    return _disclosed_rates(groups, None, per_year, label)


def _periodic_rates(
    advance: Decimal, amounts: Sequence[Decimal], frequency: Frequency, guess: float | None = None
) -> tuple[Decimal, Decimal]:
    """(APR, effective annual rate) of one advance repaid by `amounts[k]` exactly k + 1 whole unit
    periods after it: the cash flows of a schedule whose due dates fall on whole unit periods from the
    start (`schedule._on_whole_unit_periods`). What `_apr` gives for the same flows, with the
    polynomial taken directly instead of finding each flow's period from its date."""
    _, _, periods = _FREQUENCY_UNITS[frequency]
    return _disclosed_rates(_periodic_polynomial(advance, amounts), guess, Decimal(periods), frequency.value)


def _periodic_polynomial(
    advance: Decimal, amounts: Sequence[Decimal]
) -> list[tuple[int, int, list[Decimal]]]:
    """The single fraction-0 polynomial: payments from the last down to the first, then -advance."""
    top = len(amounts)
    while not amounts[top - 1]:
        top -= 1  # zero payments at the end are no cash flow
    coefficients = list(reversed(amounts[:top]))
    coefficients.append(-advance)
    return [(0, 1, coefficients)]


def _parse_flows(
    value: object, field: str, errors: ErrorCollector, *, allow_zero: bool
) -> list[tuple[date, Decimal]]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
        errors.add(field, gettext_noop("must be a non-empty list of (date, amount) pairs"))
        return []
    out: list[tuple[date, Decimal]] = []
    for item in value:
        if type(item) is tuple and len(item) == 2:
            # Fast path for the common, well-formed (date, Decimal) pair.
            when, raw = item
            if (
                type(when) is date
                and type(raw) is Decimal
                and raw.is_finite()
                and (raw > 0 or allow_zero and raw == 0)
            ):
                out.append(item)
                continue
        if not isinstance(item, Sequence) or isinstance(item, str | bytes) or len(item) != 2:
            errors.add(field, gettext_noop("each cash flow must be a (date, amount) pair"))
            continue
        when, raw = item
        if isinstance(when, datetime) or not isinstance(when, date):
            errors.add(field, gettext_noop("cash-flow dates must be dates, not datetimes or text"))
            continue
        amount = parse_decimal(raw, field, errors, minimum=ZERO, min_exclusive=not allow_zero)
        if amount is not None:
            out.append((when, amount))
    return out


def apr_of_cashflows(
    advances: Sequence[tuple[date, Decimal]],
    payments: Sequence[tuple[date, Decimal]],
    frequency: Frequency | str | None = Frequency.MONTHLY,
) -> AprResult:
    """APR of a loan's cash flows by the actuarial method of Regulation Z Appendix J.

    `advances` are the amounts the borrower receives (net of fees financed or paid at closing),
    `payments` every amount the borrower pays, fees included, each at its date. `frequency` fixes the
    unit period (monthly, weekly ...); None is allowed only for a single advance repaid by a single
    payment, whose unit period is then the term itself. Raises `EngineValidationError` (fields
    ``advances``, ``payments``, ``frequency``) for empty or non-positive flows, datetimes, floats,
    payments on or before the first advance, and cash flows with no rate of return.
    """
    errors = ErrorCollector()
    adv = _parse_flows(advances, "advances", errors, allow_zero=False)
    pay = _parse_flows(payments, "payments", errors, allow_zero=True)
    freq = None if frequency is None else parse_choice(frequency, Frequency, "frequency", errors)
    pay = [(when, amount) for when, amount in pay if amount]
    if adv and "payments" not in errors:
        origin = min(when for when, _ in adv)
        if not pay:
            errors.add("payments", gettext_noop("at least one payment must be greater than zero"))
        elif any(when <= origin for when, _ in pay):
            errors.add("payments", gettext_noop("every payment must fall after the first advance"))
        if frequency is None and (len(pay) > 1 or len(adv) > 1):
            errors.add(
                "frequency", gettext_noop("a frequency is needed unless one advance is repaid by one payment")
            )
    errors.raise_if_any()
    origin = min(when for when, _ in adv)
    return _apr(origin, sorted(adv), sorted(pay), freq)
