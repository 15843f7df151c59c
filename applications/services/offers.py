"""The offer: what the customer is shown and accepts, priced once, with its full schedule."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.utils import timezone

from applications.models import (
    LoanApplication,
)
from applications.services.base import (
    _digest,
)
from loanhub import clock
from loanhub.money import quantize_money, quantize_rate
from products import engine_adapter
from products.compliance import installments_for
from products.pricing import PricingError, price_for

logger = logging.getLogger(__name__)


def _plain(value):
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def offer_build(
    application: LoanApplication, *, amount: Decimal, term: int, grade: str, on_date: dt.date | None = None
) -> dict:
    """The offer for `amount` over `term` months at risk grade `grade`, priced by the product grid
    of the application's own version (products.pricing.price_for, the one place that decides a
    price) on the submission date, with the full schedule from the engine starting `on_date`.
    Everything the customer is shown is in it; `engine_terms` are exactly what servicing pins.
    Raises PricingError or EngineValidationError."""
    version = application.product_version
    on_date = on_date or clock.today()
    priced_on = timezone.localdate(application.submitted_at) if application.submitted_at else on_date
    price = price_for(version, grade=grade, term=term, on_date=priced_on, channel=application.channel)
    count = installments_for(term, application.frequency)
    if count is None:
        raise PricingError({"term": [f"{term} months is not whole {application.frequency} installments"]})
    fees = [fee.engine_fee() for fee in version.fees.all() if fee.mandatory]
    engine_terms = {
        "principal": quantize_money(amount),
        "annual_rate": price.annual_rate,
        "term": count,
        "frequency": application.frequency,
        "method": application.method,
        "day_count": version.day_count,
        "fees": fees,
        "grace": None,
        "interest_free_periods": min(price.interest_free_periods, count),
        "first_due_date": None,
    }
    result = engine_adapter.schedule(**engine_terms, start_date=on_date)
    summary = result.summary
    offer = {
        "product": {"code": version.product.code, "version": version.version, "name": version.name},
        "currency": version.currency,
        "amount": quantize_money(amount),
        "term": term,
        "installments": count,
        "method": application.method,
        "frequency": application.frequency,
        "risk_grade": grade,
        "annual_rate": price.annual_rate,
        "rate_type": version.rate_type,
        "benchmark": price.benchmark or None,
        "benchmark_rate": price.benchmark_rate,
        "spread_bps": price.spread_bps,
        "promotions": list(price.promotions_applied),
        "apr": summary["apr"],
        "effective_annual_rate": summary["effective_annual_rate"],
        "installment": result.first_payment,
        "total_interest": summary["total_interest"],
        "total_fees": summary["total_fees"],
        "total_cost": result.total_cost,
        "total_payable": summary["total_payable"],
        "net_proceeds": summary["net_proceeds"],
        "fees": [
            {"code": fee.code, "name": fee.name, "type": fee.fee_type, "amount": fee.amount, "rate": fee.rate}
            for fee in version.fees.all()
            if fee.mandatory
        ],
        "prepayment": {
            "allowed_after_installments": version.prepayment_allowed_after,
            "fee_rate": version.prepayment_fee_rate,
            "free_allowance_per_year": version.prepayment_free_allowance,
        },
        "penalty": {
            "rate_multiplier": version.penalty_rate_multiplier,
            "annual_rate": quantize_rate(price.annual_rate * version.penalty_rate_multiplier),
        },
        "schedule": result.installments,
        "schedule_start": on_date,
        "priced_on": priced_on,
        "engine_terms": engine_terms,
    }
    offer = _plain(offer)
    offer["digest"] = _digest(offer)
    return offer


def engine_terms(application: LoanApplication) -> dict:
    """The accepted offer's schedule terms as `servicing.services.loan_open` takes them."""
    terms = dict(application.offer["engine_terms"])
    terms["principal"] = Decimal(terms["principal"])
    terms["annual_rate"] = Decimal(terms["annual_rate"])
    terms["fees"] = [
        {k: (Decimal(v) if k in ("amount", "rate") and v is not None else v) for k, v in fee.items()}
        for fee in terms["fees"]
    ]
    return terms


def _set_offer(
    application: LoanApplication, offer: dict, *, expires_at: dt.datetime | None
) -> tuple[str, ...]:
    application.offer = offer
    application.offer_amount = Decimal(offer["amount"])
    application.offer_term = offer["term"]
    application.offer_rate = Decimal(offer["annual_rate"])
    application.offer_apr = Decimal(offer["apr"])
    application.offer_installment = Decimal(offer["installment"])
    application.offer_total_cost = Decimal(offer["total_cost"])
    application.offer_expires_at = expires_at
    return (
        "offer",
        "offer_amount",
        "offer_term",
        "offer_rate",
        "offer_apr",
        "offer_installment",
        "offer_total_cost",
        "offer_expires_at",
    )
