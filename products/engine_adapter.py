"""The catalogue's one door into the loan-math engine (`products.engine`).

Quotes, the compliance check and the admin preview build their schedules here, so the engine's
call signature and error type are known in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from loanhub.money import APR_DIGITS, APR_PLACES
from products.choices import schedule_method
from products.engine import EngineValidationError, Message, Schedule, build_schedule

__all__ = (
    "EngineValidationError",
    "ScheduleResult",
    "build",
    "check_statable",
    "engine_fees",
    "localized",
    "localized_text",
    "plain",
    "schedule",
)


def localized(errors: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The engine's field errors in the active language (the engine speaks English; its message
    templates are in the translation catalogues, see `products.engine.errors.gettext_noop`)."""
    return {field: [_say(message) for message in messages] for field, messages in errors.items()}


def localized_text(errors: Mapping[str, Sequence[str]]) -> str:
    """`localized` as one line, "field: message; field: message", for panels and reasons."""
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in localized(errors).items())


def _say(message: str) -> str:
    if not isinstance(message, Message):
        return str(message)
    template = gettext(message.template)
    return template.format(**message.params) if message.params else template


def engine_fees(fees: list[dict]) -> list[dict]:
    """Catalogue fees ({"type", "amount"|"rate"}) in the engine's shape ({"kind", "value"})."""
    out = []
    for fee in fees:
        value = fee.get("rate") if str(fee["type"]).endswith("_percent") else fee.get("amount")
        out.append({"kind": fee["type"], "value": value})
    return out


@dataclass(frozen=True)
class ScheduleResult:
    """The engine's schedule reduced to plain data (rows and summary as dicts of Decimals)."""

    installments: list[dict]
    summary: dict

    @property
    def first_payment(self) -> Decimal:
        return self.installments[0]["payment"] if self.installments else Decimal("0.00")

    @property
    def last_payment(self) -> Decimal:
        return self.installments[-1]["payment"] if self.installments else Decimal("0.00")

    @property
    def total_cost(self) -> Decimal:
        """What the loan costs over the principal: interest plus fees."""
        return self.summary["total_interest"] + self.summary["total_fees"]


ROW_FIELDS = ("number", "due_date", "payment", "principal", "interest", "fees", "balance")
SUMMARY_FIELDS = (
    "total_principal",
    "total_interest",
    "total_fees",
    "total_payable",
    "net_proceeds",
    "apr",
    "effective_annual_rate",
)


def _plain(obj, fields) -> dict:
    if isinstance(obj, dict):
        return {name: obj[name] for name in fields}
    return {name: getattr(obj, name) for name in fields}


def build(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: str,
    method: str,
    start_date: dt.date,
    day_count: str,
    fees: list[dict],
    grace: dict | None = None,
    interest_free_periods: int = 0,
    first_due_date: dt.date | None = None,
) -> Schedule:
    """The engine's own Schedule for catalogue-shaped terms (for prepayment and payoff quotes)."""
    return build_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term=term,
        frequency=frequency,
        method=schedule_method(method),
        start_date=start_date,
        first_due_date=first_due_date,
        day_count=day_count,
        fees=engine_fees(fees),
        grace=None
        if not grace
        else {"periods": grace["periods"], "kind": grace.get("type", "interest_only")},
        interest_free_periods=interest_free_periods,
    )


def check_statable(*, apr: Decimal, effective_annual_rate: Decimal, field: str = "fees") -> None:
    """Refuse an annual cost no disclosure can state (the columns and API fields of an APR hold
    less than 10**18 as a fraction): upfront fees that leave next to nothing to disburse on a
    short, frequent schedule compound past it (100.00 lent less 99.99 of fees, repaid a week
    later: about 10**210), and no legal cap allows anything near. Raises EngineValidationError."""
    if any(abs(rate) >= STATABLE_RATE for rate in (apr, effective_annual_rate)):
        raise EngineValidationError({field: [Message(UNSTATABLE, {})]})


# What an APR column holds (loanhub.money.apr_field: 24 digits, 6 places) and the refusal's text.
STATABLE_RATE = Decimal(10) ** (APR_DIGITS - APR_PLACES)
UNSTATABLE = gettext_noop(
    "The upfront fees leave too little to disburse: the annual cost of these terms is too large to state."
)


def plain(result: Schedule) -> ScheduleResult:
    """An engine Schedule reduced to plain rows and summary (refused by `check_statable` when its
    annual cost cannot be stated)."""
    summary = _plain(result.summary, SUMMARY_FIELDS)
    check_statable(apr=summary["apr"], effective_annual_rate=summary["effective_annual_rate"])
    return ScheduleResult(installments=[_plain(row, ROW_FIELDS) for row in result.rows], summary=summary)


def schedule(**terms) -> ScheduleResult:
    """Run the engine (arguments as `build`); `term` is the number of installments.

    Raises EngineValidationError.
    """
    return plain(build(**terms))
