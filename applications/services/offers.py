"""The offer: what the customer is shown and accepts, priced once, with its full schedule."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from applications.models import (
    LoanApplication,
)
from applications.services.base import (
    _digest,
)
from loanhub import clock
from loanhub.money import quantize_rate
from products.quotes import Quote, product_quote

logger = logging.getLogger(__name__)


def _plain(value):
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def offer_quote(
    application: LoanApplication,
    *,
    amount: Decimal,
    term: int,
    grade: str,
    on_date: dt.date | None = None,
    points_discount_bps: int = 0,
) -> Quote:
    """The one quote of the application's offer: its own product version (pinned at submission),
    method, frequency, grace, channel and the segments recorded at submission, for `amount` over
    `term` months at risk grade `grade`, priced on the submission date, the schedule starting
    `on_date` (today). Raises ProductQuoteError naming the field."""
    on_date = on_date or clock.today()
    return product_quote(
        version=application.product_version,
        amount=amount,
        term=term,
        method=application.method,
        frequency=application.frequency,
        risk_grade=grade,
        segments=application.segments,
        channel=application.channel,
        start_date=on_date,
        grace=application.grace,
        priced_on=clock.local_date(application.submitted_at) or on_date,
        pinned=True,
        points_discount_bps=points_discount_bps,
    )


def offer_build(
    application: LoanApplication,
    *,
    amount: Decimal,
    term: int,
    grade: str,
    on_date: dt.date | None = None,
    points_redeemed: int = 0,
    points_discount_bps: int = 0,
) -> dict:
    """The offer as shown and accepted: `offer_quote` and everything the disclosure must say
    (fees charged and waived, promotions, grace, prepayment and penalty terms). `engine_terms`
    are the quote's, exactly what servicing pins. Reward points redeemed at acceptance lower the
    rate by `points_discount_bps` (and the APR with it). Raises ProductQuoteError."""
    quote = offer_quote(
        application,
        amount=amount,
        term=term,
        grade=grade,
        on_date=on_date,
        points_discount_bps=points_discount_bps,
    )
    version, price, summary = quote.version, quote.price, quote.schedule.summary
    fees = [fee for fee in version.fees.all() if fee.mandatory]
    charged = [fee for fee in fees if fee.charged_to(quote.segments) and not price.fees_waived]
    offer = {
        "product": {"code": version.product.code, "version": version.version, "name": version.name},
        "currency": version.currency,
        "amount": quote.amount,
        "term": quote.term,
        "installments": quote.installments_count,
        "method": quote.method,
        "frequency": quote.frequency,
        "risk_grade": quote.risk_grade,
        "segments": list(quote.segments),
        "channel": quote.channel,
        "annual_rate": price.annual_rate,
        "rate_type": version.rate_type,
        "benchmark": price.benchmark or None,
        "benchmark_rate": price.benchmark_rate,
        "spread_bps": price.spread_bps,
        "promotions": list(price.promotions_applied),
        "discount_bps": price.discount_bps,
        "interest_free_periods": quote.engine_terms["interest_free_periods"],
        "grace": quote.grace,
        "apr": summary["apr"],
        "effective_annual_rate": summary["effective_annual_rate"],
        "installment": quote.installment,
        "total_interest": summary["total_interest"],
        "total_fees": summary["total_fees"],
        "total_cost": quote.total_cost,
        "total_payable": summary["total_payable"],
        "net_proceeds": summary["net_proceeds"],
        "fees": [
            {"code": fee.code, "name": fee.name, "type": fee.fee_type, "amount": fee.amount, "rate": fee.rate}
            for fee in charged
        ],
        "fees_waived": [fee.code for fee in fees if fee not in charged],
        "prepayment": {
            "allowed_after_installments": version.prepayment_allowed_after,
            "fee_rate": version.prepayment_fee_rate,
            "free_allowance_per_year": version.prepayment_free_allowance,
        },
        "penalty": {
            "rate_multiplier": version.penalty_rate_multiplier,
            "annual_rate": quantize_rate(price.annual_rate * version.penalty_rate_multiplier),
        },
        "schedule": quote.schedule.installments,
        "schedule_start": quote.start_date,
        "priced_on": quote.priced_on,
        "engine_terms": quote.engine_terms,
    }
    if points_redeemed:
        # Only an offer bought down with points says so (every other offer keeps its shape).
        offer["points_redeemed"] = points_redeemed
        offer["points_discount_bps"] = price.points_discount_bps
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


def offer_points_preview(application: LoanApplication, *, points: int | None = None) -> dict | None:
    """Before accepting: what spending reward points on this offer would do, through the one
    quote — the points, the discount they buy (the registered previewer, marketing.rewards, spends
    nothing) and the offer priced again with it on the same schedule start: the new rate, APR and
    installment beside the offer's. None without a previewer or an offer; `error` when the points
    cannot be spent (then no new figures)."""
    from applications import hooks
    from products.quotes import ProductQuoteError

    previewer = hooks.points_previewer()
    offer = application.offer
    if previewer is None or not offer or offer.get("points_redeemed"):
        return None
    preview = previewer(customer_id=application.customer_id, points=points)
    preview["now"] = {k: Decimal(str(offer[k])) for k in ("annual_rate", "apr", "installment", "total_cost")}
    preview["after"] = None
    if preview["error"] or not preview["discount_bps"]:
        return preview
    try:
        repriced = offer_build(
            application,
            amount=Decimal(offer["amount"]),
            term=int(offer["term"]),
            grade=offer["risk_grade"],
            on_date=dt.date.fromisoformat(offer["schedule_start"]),
            points_redeemed=preview["points"],
            points_discount_bps=preview["discount_bps"],
        )
    except ProductQuoteError as exc:
        preview["error"] = "; ".join(str(m) for v in exc.errors.values() for m in v)
        return preview
    preview["after"] = {
        k: Decimal(str(repriced[k])) for k in ("annual_rate", "apr", "installment", "total_cost")
    }
    return preview
