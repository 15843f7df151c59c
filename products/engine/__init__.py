"""LoanHub loan mathematics: schedules, day counts, fees, APR, prepayment and revolving lines.

Pure Python on `decimal.Decimal`; no Django import anywhere in this package, so it can be used and
tested on its own and called from services, tasks and notebooks alike. Money never touches a float.

Entry points validate their input and raise `EngineValidationError`, whose ``errors`` attribute is a
``dict[str, list[str]]`` keyed by the API request's field names.
"""

from .apr import AprResult, apr_of_cashflows
from .dates import add_months, due_dates, regular_first_due_date
from .daycount import days360
from .enums import DayCount, FeeKind, Frequency, GraceKind, Method, PrepaymentMode
from .errors import CreditLimitExceededError, EngineValidationError, Message
from .money import ENGINE_CONTEXT, quantize_money, quantize_rate
from .prepayment import (
    DeferralResult,
    PayoffQuote,
    PrepaymentResult,
    RepricingResult,
    SpreadDeferralResult,
    defer_installments,
    defer_installments_spread,
    payoff_quote,
    prepay,
    reprice,
)
from .revolving import (
    LineTransaction,
    RepaymentAllocation,
    RevolvingState,
    Statement,
    TransactionKind,
    revolving_payoff,
    revolving_run,
)
from .schedule import (
    Installment,
    Schedule,
    ScheduleSummary,
    annuity_payment,
    build_schedule,
    schedule_from_terms,
)
from .terms import Fee, Grace, LoanTerms, validate_terms

__all__ = [
    "ENGINE_CONTEXT",
    "AprResult",
    "CreditLimitExceededError",
    "DayCount",
    "DeferralResult",
    "SpreadDeferralResult",
    "EngineValidationError",
    "Message",
    "Fee",
    "FeeKind",
    "Frequency",
    "Grace",
    "GraceKind",
    "Installment",
    "LineTransaction",
    "LoanTerms",
    "Method",
    "PayoffQuote",
    "PrepaymentMode",
    "PrepaymentResult",
    "RepaymentAllocation",
    "RepricingResult",
    "RevolvingState",
    "Schedule",
    "ScheduleSummary",
    "Statement",
    "TransactionKind",
    "add_months",
    "annuity_payment",
    "apr_of_cashflows",
    "build_schedule",
    "days360",
    "defer_installments",
    "defer_installments_spread",
    "due_dates",
    "payoff_quote",
    "prepay",
    "quantize_money",
    "quantize_rate",
    "regular_first_due_date",
    "reprice",
    "revolving_payoff",
    "revolving_run",
    "schedule_from_terms",
    "validate_terms",
]
