"""The APR solver: the unit-period rate that zeroes the net present value of timed cash flows.

The cash flows arrive as one polynomial per Appendix J fraction (see `apr_time`); the present value
discounts each by ``(1 + f*i) * (1 + i)**t`` (Appendix J (b)(8)).

Solving: Newton's method in binary floating point (safeguarded by bisection when it does not settle),
then Newton steps in 34-digit Decimal from that root until a step is below 1e-16 (each such step
squares the error, leaving about 1e-30), checked to move the float root by no more than 1e-10
(otherwise the solve is redone in Decimal). Only the rate is ever a float; the money amounts enter the
final Decimal steps exactly.

Evaluating: the present value is one polynomial in x = 1 / (1 + i) per distinct fraction, evaluated
by Horner's rule. A level schedule's polynomial is mostly one coefficient repeated, so coefficients
are run-length encoded and a long run is summed as a geometric series (one power instead of hundreds
of steps); where runs are short (equal principal, actual-day interest) the plain Horner loop is used.
A schedule whose due dates lie on whole unit periods hands its payments over in order, skipping the
date count-back (see `schedule._on_whole_unit_periods`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import groupby, repeat
from math import exp, expm1, floor, fsum, log1p, nan, ulp
from typing import TypeVar

from .errors import EngineValidationError, Message, gettext_noop
from .money import ENGINE_CONTEXT, quantize_rate

__all__: list[str] = []

N = TypeVar("N", float, Decimal)

_POLISH_STEP = Decimal("1e-16")
_FLOAT_TRUST = Decimal("1e-10")


def _rtsafe(fn: Callable[[N], tuple[N, N]], lo: N, hi: N, start: N, tol: N, max_iter: int = 300) -> N:
    """Root of a decreasing function inside the bracket fn(lo) > 0 > fn(hi).

    Newton's method, falling back to bisection whenever a Newton step would leave the bracket or would
    not halve the step before last (the safeguard of "rtsafe", Numerical Recipes 9.4): fast near the
    root, never slower than bisection far from it.
    """
    x = start if lo <= start <= hi else lo + (hi - lo) / 2
    step = previous = hi - lo
    value, slope = fn(x)
    for _ in range(max_iter):
        if value == 0:
            return x
        newton = x - value / slope if slope < 0 else None
        if newton is not None and lo < newton < hi and abs(2 * value) <= abs(previous * slope):
            previous, step = step, value / slope
            x = newton
        else:
            previous, step = step, (hi - lo) / 2
            x = lo + step
        if abs(step) <= tol:
            return x
        value, slope = fn(x)
        if value > 0 or value != value:  # NaN: overflow towards -100 %, i.e. the left side
            lo = x
        else:
            hi = x
    return x


Runs = list[tuple[N, int]]
"""A polynomial's coefficients from the highest whole period down to period 0, run-length encoded as
(coefficient, how many periods in a row carry it): a level schedule is a handful of runs, not hundreds
of coefficients."""

Group = tuple[N, Runs[N] | None, list[N] | None]
"""(fraction f, runs, plain coefficients): one polynomial of the present value, either run-length
encoded or, when runs would not pay (equal principal, actual-day interest), as the plain list."""

_RUNS_PAY = 4  # run-length encoding is kept when runs average at least this many periods


def _runs(coefficients: Sequence[Decimal]) -> list[tuple[Decimal, int]] | None:
    """Run-length encoding of a coefficient list (equal neighbours, by value, share a run and are
    represented by its first), or None as soon as it is clear that the runs are too short to pay for
    themselves: checked each time a run closes, once there are eight."""
    out: list[tuple[Decimal, int]] = []
    seen = 0
    for value, run in groupby(coefficients):
        if out:
            seen += out[-1][1]
            if len(out) >= 8 and len(out) * _RUNS_PAY > seen:
                return None
        out.append((value, len(list(run))))
    return out


def _as_float(fraction: float, runs: Runs[Decimal] | None, coefficients: list[Decimal]) -> Group[float]:
    if runs is None:
        return fraction, None, list(map(float, coefficients))
    return fraction, [(float(c), count) for c, count in runs], None


def _expanded(runs: Runs[N] | None, plain: list[N] | None) -> list[N]:
    if plain is not None:
        return plain
    assert runs is not None
    return [c for c, count in runs for _ in range(count)]


def _present_value(groups: Sequence[Group[N]], i: N) -> tuple[N, N]:
    """Net present value at unit rate `i` and its derivative d/di, in the arithmetic of `i`.

    Each group shares one fraction f; its coefficients run from the highest whole period down to 0 so
    Horner's rule evaluates the polynomial in x = 1 / (1 + i) and its derivative in one pass. The
    plain, always-accurate evaluation: the bracketed Decimal fallback uses it.
    """
    zero = i - i
    x = 1 / (1 + i)
    total = zero
    slope = zero
    for fraction, runs, plain in groups:
        p = zero
        dp = zero
        for c in _expanded(runs, plain):
            dp = dp * x + p
            p = p * x + c
        w = 1 / (1 + fraction * i)
        total += p * w
        slope -= dp * x * x * w + p * fraction * w * w
    return total, slope


# A run of r equal coefficients c is one step of Horner's rule over r periods:
#   p <- p * x**r + c * S,   S = 1 + x + ... + x**(r-1) = (1 - x**r) / (1 - x)   (x = 1 / (1 + i)),
# taken in closed form when it is long and r * |i| is not small; below that 1 - x**r loses digits to
# cancellation and the run is stepped period by period instead.
_CLOSED_FORM_MIN_RUN = 5
_CLOSED_FORM_MIN_SPAN = 0.05
_CLOSED_FORM_MIN_SPAN_DECIMAL = Decimal(str(_CLOSED_FORM_MIN_SPAN))


def _float_present_value(groups: Sequence[Group[float]], i: float) -> tuple[float, float]:
    """`_present_value` in binary floating point, with closed forms for long runs.

    x**r is taken as exp(r * ln x) and 1 - x**r as -expm1(r * ln x) with ln x = -log1p(i), so both, and
    1 - x = i / (1 + i), keep their relative accuracy whether x**r is tiny or near 1. NaN when the rate
    is at or below -100 % or a power overflows (callers treat NaN as the far left of the bracket, as
    with the Horner overflow it stands for).
    """
    if not i > -1:
        return nan, nan
    x = 1 / (1 + i)
    log_x = -log1p(i)
    gap = i * x  # 1 - x
    span = abs(i)
    total = 0.0
    slope = 0.0
    try:
        for fraction, runs, plain in groups:
            p = 0.0
            dp = 0.0
            if runs is None:
                for c in plain:  # type: ignore[union-attr]
                    dp = dp * x + p
                    p = p * x + c
            else:
                for c, count in runs:
                    if count >= _CLOSED_FORM_MIN_RUN and count * span >= _CLOSED_FORM_MIN_SPAN:
                        exponent = count * log_x
                        power = exp(exponent)  # x**r, to its own relative accuracy even when tiny
                        minus = expm1(exponent)  # x**r - 1, likewise when x**r is near 1
                        below = power * (1 + i)  # x**(r - 1)
                        s = -minus / gap
                        ds = (1 - count * below + (count - 1) * power) / (gap * gap)  # dS/dx
                        dp = dp * power + p * count * below + c * ds
                        p = p * power + c * s
                    else:
                        for _ in range(count):
                            dp = dp * x + p
                            p = p * x + c
            w = 1 / (1 + fraction * i)
            total += p * w
            slope -= dp * x * x * w + p * fraction * w * w
    except OverflowError:
        return nan, nan
    return total, slope


def _decimal_value(groups: Sequence[Group[Decimal]], i: Decimal) -> Decimal:
    """Net present value alone, in Decimal: the polishing steps need the value exactly but can take
    the slope from floating point, as an approximate slope only slows Newton's convergence by its
    relative error (about 1e-12 here), which is far beyond what a couple of steps need.

    Long runs in closed form, as in `_float_present_value`: in 34 digits 1 - x**r keeps at least 29 of
    them whenever the closed form is taken (r * |i| >= 0.05 with r at most a few thousand).
    """
    one = Decimal(1)
    x = one / (one + i)
    gap = one - x
    span = abs(i)
    total = Decimal(0)
    for fraction, runs, plain in groups:
        p = Decimal(0)
        if runs is None:
            for c in plain:  # type: ignore[union-attr]
                p = p * x + c
        else:
            for c, count in runs:
                if count >= _CLOSED_FORM_MIN_RUN and count * span >= _CLOSED_FORM_MIN_SPAN_DECIMAL:
                    power = x**count
                    p = p * power + c * (one - power) / gap
                else:
                    for _ in range(count):
                        p = p * x + c
        total += p / (one + fraction * i)
    return total


def _initial_guess(groups: list[Group[float]]) -> float:
    """Compound-growth estimate of the unit rate: the rate at which the advances grow into the sum of
    the payments over the payment-weighted mean time.

    By Jensen's inequality (discounting is convex in time) it lies at or below the true rate for a
    single advance, and Newton's method on the convex, falling present value then climbs to the root
    without overshooting: three to six steps for loan cash flows.
    """
    paid = advanced = weighted = 0.0
    for fraction, encoded, plain in groups:
        runs = encoded if encoded is not None else list(zip(plain, repeat(1)))  # type: ignore[arg-type]
        t = sum(count for _, count in runs) - 1 + fraction
        for value, count in runs:  # highest whole period first
            if value > 0:
                paid += value * count
                # times t, t - 1, ..., t - count + 1
                weighted += value * (count * t - count * (count - 1) / 2)
            else:
                advanced -= value * count
            t -= count
    if not paid or not advanced or not weighted:
        return 0.0
    try:
        growth = float((paid / advanced) ** (paid / weighted))
    except OverflowError:  # absurd cash flows; the bracketed solver finds its way from here
        return 1e6
    # Payments worth a sliver of the advance underflow the growth to 0, i.e. -100 %, where nothing can
    # be evaluated: start halfway instead and let the bracket search go further left if it must.
    return max(growth - 1, -0.5)


def _bracket(pv: Callable[[float], tuple[float, float]], guess: float) -> tuple[float, float]:
    """Rates lo < hi with pv(lo) > 0 > pv(hi), searched outwards from the guess.

    Borrower cash flows (advances first, payments after) have a present value that falls as the rate
    rises: positive towards -100 %, tending to minus the first advance for large rates.
    """
    value = pv(guess)[0]
    if value == 0:
        return guess, guess
    if value > 0 or value != value:  # NaN: a power overflowed towards -100 %, the left side
        lo, hi = guess, guess + max(abs(guess), 0.01)
        while not pv(hi)[0] < 0:
            if hi > 1e9:
                raise EngineValidationError(
                    {"payments": [Message(gettext_noop("the cash flows have no finite rate of return"))]}
                )
            lo, hi = hi, 2 * hi + 0.01
        return lo, hi
    hi, lo = guess, min(guess, 0.0)
    while True:
        value = pv(lo)[0]
        if value > 0 or value != value:
            return lo, hi
        hi, lo = lo, -1 + (1 + lo) / 2
        if lo < -1 + 1e-12:
            raise EngineValidationError(
                {"payments": [Message(gettext_noop("the cash flows have no rate of return"))]}
            )


def _newton(pv: Callable[[float], tuple[float, float]], guess: float) -> tuple[float, float] | None:
    """Plain Newton from the guess: (root, slope near it), or None when it does not settle quickly (the
    bracketed solver then takes over).

    Stops once a step is below 1e-10: Newton's error after such a step is about curvature x 1e-20,
    and the Decimal polish that follows takes it the rest of the way.
    """
    x = guess
    for _ in range(30):
        value, slope = pv(x)
        if value == 0:
            return x, slope
        if not slope < 0 or value != value:
            return None
        step = value / slope
        x -= step
        if not -1 < x < 1e9:
            return None
        if abs(step) <= 1e-10 * max(1.0, abs(x)):
            return x, slope
    return None


@dataclass(frozen=True, slots=True)
class _FloatRoot:
    """A root found in binary floating point, with what the Decimal polish needs to finish it."""

    encoded: list[tuple[int, int, Runs[Decimal] | None, list[Decimal]]]
    as_float: list[Group[float]]
    guess: float
    root: float
    slope: float
    bracket: tuple[float, float] | None

    def present_value(self, i: float) -> tuple[float, float]:
        return _float_present_value(self.as_float, i)


def _float_solve(exact: list[tuple[int, int, list[Decimal]]], guess: float | None) -> _FloatRoot:
    """Newton's method in floating point from `guess` (or the cash flows' own estimate), bracketed
    bisection when it does not settle."""
    encoded = [(num, den, _runs(coefficients), coefficients) for num, den, coefficients in exact]
    as_float = [_as_float(num / den, runs, coefficients) for num, den, runs, coefficients in encoded]

    def float_pv(i: float) -> tuple[float, float]:
        return _float_present_value(as_float, i)

    found = None if guess is None else _newton(float_pv, guess)
    if found is None:
        # A caller's guess can be far from extreme roots (a huge fee repaid within days): start again
        # from the cash flows' own estimate, which the bracketed search below also starts from.
        guess = _initial_guess(as_float)
        found = _newton(float_pv, guess)
    bracket: tuple[float, float] | None = None
    if found is None:
        bracket = lo, hi = _bracket(float_pv, guess)
        root = lo if lo == hi else _rtsafe(float_pv, lo, hi, guess, 1e-15)
        slope = float_pv(root)[1]
    else:
        root, slope = found
    return _FloatRoot(encoded, as_float, guess, root, slope, bracket)


def _solve(exact: list[tuple[int, int, list[Decimal]]], guess: float | None = None) -> Decimal:
    """The unit-period rate that zeroes the net present value (see the module docstring).

    `guess` is where Newton's method starts (default: `_initial_guess` of the cash flows); a schedule
    passes its nominal period rate, which lies within a few basis points of the root. Starting points
    change only the float root's last bits, which the Decimal polish removes: results agree to about
    1e-30, far below the 20 places the rate is kept to.
    """
    return _polish(_float_solve(exact, guess))


def _polish(found: _FloatRoot) -> Decimal:
    """Newton steps in 34-digit Decimal from the float root (or a Decimal re-solve, see the module
    docstring)."""
    with localcontext(ENGINE_CONTEXT):
        as_decimal: list[Group[Decimal]] = [
            (Decimal(num) / den, runs, None if runs is not None else coefficients)
            for num, den, runs, coefficients in found.encoded
        ]

        def decimal_pv(i: Decimal) -> tuple[Decimal, Decimal]:
            return _present_value(as_decimal, i)

        start = rate = Decimal(repr(found.root))
        if found.slope < 0 and found.slope == found.slope:
            slope = Decimal(repr(found.slope))
            for _ in range(8):
                step = _decimal_value(as_decimal, rate) / slope
                rate -= step
                # A step below 1e-16 leaves an error of ~1e-16 x (relative slope error + 1e-16 x curvature).
                if abs(step) < _POLISH_STEP:
                    break
        if abs(rate - start) > _FLOAT_TRUST * max(1, abs(start)):
            # The float root was not trustworthy (extreme magnitudes): solve again in Decimal.
            lo, hi = (
                found.bracket if found.bracket is not None else _bracket(found.present_value, found.guess)
            )
            rate = _rtsafe(decimal_pv, Decimal(repr(lo)), Decimal(repr(hi)), start, Decimal("1e-30"))
        return rate


_UNIT_ROUNDOFF = 2.0**-53


def _certified(found: _FloatRoot, per_year: Decimal) -> tuple[Decimal, Decimal] | None:
    """(APR, effective annual rate) straight from the float root when that is provably what the
    polished rate gives, else None.

    The root's error is bounded from the present value at the root: |PV(root)| plus a bound on the
    float evaluation's own error, sum |c| x**k times (terms + exponent) x unit roundoff with a wide
    margin, over the slope (doubled for safety). If every rate within that bound rounds to the same
    six places, so does the polished one (which lies within it), and the Decimal steps are skipped.
    Only for positive rates, where x**k <= 1 keeps the bound simple.
    """
    root = found.root
    if not 0 < root < 1e6:
        return None
    value, slope = found.present_value(root)
    if not (slope < 0 and value == value):
        return None
    count = 0
    magnitude = 0.0
    for _, runs, plain in found.as_float:
        if runs is not None:
            count += sum(n for _, n in runs)
            magnitude += fsum(abs(c) * n for c, n in runs)
        else:
            count += len(plain)  # type: ignore[arg-type]
            magnitude += fsum(map(abs, plain))  # type: ignore[arg-type]
    error = 16 * _UNIT_ROUNDOFF * magnitude * (count + 16) * (1 + count * log1p(root))
    delta = 2 * (abs(value) + error) / -slope + 4 * ulp(root) + 1e-19
    # Both ends of the interval, as millionths (the six places disclosed), must round the same way
    # and lie clearly away from a half-millionth: then float arithmetic, good to a few units in the
    # 16th digit, cannot mistake the side either.
    periods = float(per_year)
    low, high = root - delta, root + delta
    try:
        ends = (low * periods, high * periods, expm1(periods * log1p(low)), expm1(periods * log1p(high)))
    except (OverflowError, ValueError):
        return None
    for a, b in ((ends[0], ends[1]), (ends[2], ends[3])):
        a, b = a * 1e6, b * 1e6
        margin = 1e-6 + 1e-12 * abs(b)
        if floor(a + 0.5 - margin) != floor(b + 0.5 + margin):  # half-up: floor(x + 0.5)
            return None
    exponent = int(per_year) if per_year == per_year.to_integral() else per_year
    with localcontext(ENGINE_CONTEXT):
        rate = Decimal(repr(root))
        return quantize_rate(rate * per_year), quantize_rate((1 + rate) ** exponent - 1)
