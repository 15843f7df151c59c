"""Money and rate arithmetic shared by every engine module.

Amounts are `Decimal` end to end. All engine arithmetic runs inside `ENGINE_CONTEXT` (34 significant
digits, the IEEE 754 decimal128 precision), entered with `decimal.localcontext` so the process-wide
context is never changed. The one rounding rule for money is `quantize_money`: half-up to the cent,
the convention of Chinese bank loan calculators that LoanHub follows everywhere.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

__all__ = [
    "CENT",
    "ENGINE_CONTEXT",
    "MONEY_CONTEXT",
    "ONE",
    "RATE_PLACES",
    "ZERO",
    "quantize_money",
    "quantize_rate",
]

# 34 digits hold any amount up to 1e11 with far more fractional digits than a cent needs, so the only
# rounding that reaches a customer is the explicit half-up quantisation below. Intermediate results
# round half-even (the IEEE default) because they are never shown.
ENGINE_CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

# ENGINE_CONTEXT rounding half-up: quantize_money rounds through it, and hot loops call its quantize
# directly (positional arguments are cheaper than Decimal.quantize's keywords).
MONEY_CONTEXT = ENGINE_CONTEXT.copy()
MONEY_CONTEXT.rounding = ROUND_HALF_UP

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ONE = Decimal(1)
# Rates (APR, effective annual rate) leave the engine with six decimal places of a fraction, i.e.
# 0.0001 %, far finer than the 1/8 % tolerance Regulation Z allows on a disclosed APR.
RATE_PLACES = Decimal("0.000001")


def quantize_money(x: Decimal | int) -> Decimal:
    """Round an amount half-up to the cent.

    The single money-rounding helper of LoanHub (the Django side re-exports it). It takes an explicit
    context so the result does not depend on whatever decimal context the caller happens to run in.
    Floats are refused: a binary float has already lost the cent the customer is owed.
    """
    if isinstance(x, bool) or not isinstance(x, Decimal | int):
        raise TypeError(f"quantize_money needs a Decimal or int, not {type(x).__name__}")
    if isinstance(x, int):
        x = Decimal(x)
    return MONEY_CONTEXT.quantize(x, CENT)


def quantize_rate(x: Decimal) -> Decimal:
    """Round a rate (a fraction, 0.049 = 4.9 %) half-up to six decimal places for display and storage.

    An effective annual rate compounds the unit-period rate up to 52 times, so a usurious weekly
    charge can give a rate with dozens of integer digits; the context then grows to hold them rather
    than failing (the value keeps its 34 significant digits).
    """
    context = ENGINE_CONTEXT
    needed = x.adjusted() + 8
    if needed > context.prec:
        context = context.copy()
        context.prec = needed
    rounded = x.quantize(RATE_PLACES, rounding=ROUND_HALF_UP, context=context)
    # A rate that rounds to zero from below is zero: never disclose "-0.000000" (or "-0.00 %").
    return rounded.copy_abs() if rounded.is_zero() else rounded
