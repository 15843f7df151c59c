"""Calculator services: the public calculator's figures, from the one schedule engine.

The API and the calculator page call these; engine validation errors surface as
`CalculationError` with the engine's field-keyed messages.
"""

from __future__ import annotations

from dataclasses import asdict

from loanhub.errors import Invalid
from products import engine, engine_adapter

TERM_FIELDS = (
    "principal",
    "annual_rate",
    "term",
    "frequency",
    "method",
    "start_date",
    "first_due_date",
    "day_count",
    "fees",
    "grace",
    "interest_free_periods",
)


class CalculationError(Invalid):
    """Field-keyed messages of refused input, in the active language (HTTP 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(engine_adapter.localized(errors))


def _renamed(errors: dict[str, list[str]], names: dict[str, str]) -> dict[str, list[str]]:
    """Engine errors keyed by the request's field names."""
    out: dict[str, list[str]] = {}
    for field, messages in errors.items():
        out.setdefault(names.get(field, field), []).extend(messages)
    return out


def _terms(data: dict) -> dict:
    terms = {name: data.get(name) for name in TERM_FIELDS}
    terms["fees"] = list(terms["fees"] or [])
    terms["interest_free_periods"] = terms["interest_free_periods"] or 0
    return terms


def _engine_schedule(data: dict) -> engine.Schedule:
    try:
        return engine_adapter.build(**_terms(data))
    except engine.EngineValidationError as exc:
        raise CalculationError(exc.errors) from exc


def schedule_result(terms: dict) -> dict:
    """Schedule rows and summary (Decimals) for validated loan terms."""
    schedule = _engine_schedule(terms)
    try:
        result = engine_adapter.plain(schedule)
    except engine.EngineValidationError as exc:  # an annual cost too large to state
        raise CalculationError(exc.errors) from exc
    return {"installments": result.installments, "summary": result.summary}


def prepayment_result(data: dict) -> dict:
    """Full payoff quote on a date and, when an amount is given, a partial prepayment."""
    schedule = _engine_schedule(data)
    fee_terms = {"fee_rate": data.get("fee_rate") or 0, "free_allowance": data.get("free_allowance") or 0}
    try:
        payoff = engine.payoff_quote(schedule, payoff_date=data["prepayment_date"], **fee_terms)
        prepayment = None
        if data.get("amount") is not None:
            done = engine.prepay(
                schedule,
                prepayment_date=data["prepayment_date"],
                amount=data["amount"],
                mode=data.get("mode") or engine.PrepaymentMode.REDUCE_INSTALLMENT,
                **fee_terms,
            )
            remaining = engine_adapter.plain(done.remaining)
            prepayment = {
                "mode": str(done.mode),
                "installments_paid": done.installments_paid,
                "prepaid_principal": done.prepaid_principal,
                "interest": done.interest,
                "fee": done.fee,
                "total_paid": done.total_paid,
                "interest_saved": done.interest_saved,
                "remaining": {"installments": remaining.installments, "summary": remaining.summary},
            }
    except engine.EngineValidationError as exc:
        raise CalculationError(_renamed(exc.errors, {"payoff_date": "prepayment_date"})) from exc
    return {"payoff": asdict(payoff), "prepayment": prepayment}


def revolving_result(data: dict) -> dict:
    """A revolving line replayed to `as_of`: statements, repayment allocations, payoff amount."""
    try:
        state = engine.revolving_run(
            credit_limit=data["credit_limit"],
            annual_rate=data["annual_rate"],
            statement_day=data["statement_day"],
            opened_on=data["opened_on"],
            transactions=[
                {"on": row["date"], "kind": row["kind"], "amount": row["amount"]}
                for row in data["transactions"]
            ],
            as_of=data["as_of"],
            day_count=data["day_count"],
            minimum_principal_rate=data.get("minimum_principal_rate") or 0,
        )
    except engine.EngineValidationError as exc:
        # The engine names a draw's own field; the request holds draws under `transactions`.
        raise CalculationError(_renamed(exc.errors, {"amount": "transactions"})) from exc
    return asdict(state)


def apr_result(data: dict) -> dict:
    """APR of a dated cash-flow stream by the Regulation Z Appendix J actuarial method."""
    try:
        result = engine.apr_of_cashflows(
            advances=[(row["date"], row["amount"]) for row in data["advances"]],
            payments=[(row["date"], row["amount"]) for row in data["payments"]],
            frequency=data.get("frequency"),
        )
        engine_adapter.check_statable(
            apr=result.apr, effective_annual_rate=result.effective_annual_rate, field="payments"
        )
    except engine.EngineValidationError as exc:
        raise CalculationError(exc.errors) from exc
    return {
        "apr": result.apr,
        "effective_annual_rate": result.effective_annual_rate,
        "unit_period": str(result.unit_period),
        "unit_periods_per_year": result.unit_periods_per_year,
    }
