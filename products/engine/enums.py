"""The closed vocabularies of the engine; the string values are the ones the API accepts."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DayCount", "FeeKind", "Frequency", "GraceKind", "Method", "PrepaymentMode"]


class Frequency(StrEnum):
    """How often installments fall due (分期还款频率)."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMIMONTHLY = "semimonthly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"

    @property
    def periods_per_year(self) -> int:
        """52, 26, 24, 12, 4, 2 or 1: the divisor of the annual rate for a regular 30/360 period."""
        return _PERIODS_PER_YEAR[self]


_PERIODS_PER_YEAR = {
    Frequency.WEEKLY: 52,
    Frequency.BIWEEKLY: 26,
    Frequency.SEMIMONTHLY: 24,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
    Frequency.SEMIANNUAL: 2,
    Frequency.ANNUAL: 1,
}


class Method(StrEnum):
    """Repayment method."""

    ANNUITY = "annuity"  # 等额本息: equal installments
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金: equal principal parts, falling installments
    INTEREST_ONLY = "interest_only"  # 先息后本: interest each period, principal at maturity
    BULLET = "bullet"  # 到期一次还本付息: principal and simple interest at maturity


class DayCount(StrEnum):
    """Day-count convention of interest."""

    THIRTY_360 = "30/360"
    ACT_365 = "ACT/365"
    ACT_360 = "ACT/360"


class GraceKind(StrEnum):
    """What the borrower pays during a grace period (宽限期)."""

    INTEREST_ONLY = "interest_only"  # interest paid, no principal
    CAPITALISED = "capitalised"  # nothing paid, interest added to the balance


class FeeKind(StrEnum):
    """How a fee (手续费 / 服务费) is charged."""

    UPFRONT = "upfront"  # fixed amount netted from the proceeds at disbursement
    UPFRONT_PERCENT = "upfront_percent"  # fraction of the principal netted at disbursement
    PERIODIC = "periodic"  # fixed amount with every installment
    PERIODIC_PERCENT = "periodic_percent"  # fraction of the original principal with every installment


class PrepaymentMode(StrEnum):
    """What a partial prepayment (部分提前还款) changes."""

    REDUCE_INSTALLMENT = "reduce_installment"  # keep the term, lower installment
    SHORTEN_TERM = "shorten_term"  # keep the installment, fewer installments
