"""The risk hook: scoring → scored → approved | referred | declined, in the transaction that
writes risk's decision."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings

from applications.models import (
    LoanApplication,
    State,
)
from applications.services.base import (
    REQUESTER_PREFIX,
    _event,
    _move,
)
from applications.services.business import REFER_REASON, is_business
from applications.services.collateral import ltv_refer_reason
from applications.services.offers import _set_offer, offer_build
from customers.models import KycStatus
from loanhub import clock
from loanhub.reasons import coded
from products.quotes import ProductQuoteError
from risk.choices import Outcome, RequestState
from risk.selectors import decision_declined_only_for_identity

logger = logging.getLogger(__name__)
# Declines that depend only on the consumer grade (its price, its cap): a business is rated anew.
GRADE_DECLINES = frozenset({"NO_PRICE", "LIMIT_BELOW_MINIMUM"})


def _declined_only_for_grade(decision) -> bool:
    codes = {r["code"] for r in decision.reasons if r.get("kind") == "rule" and r.get("outcome") == "decline"}
    return bool(codes) and codes <= GRADE_DECLINES


def application_apply_decision(*, request, decision) -> None:
    """risk's decision hook: scoring → scored → approved | referred | declined.

    Called by risk inside the transaction that writes the decision. Ignores requests that are not
    an application's current scoring request, or an application no longer scoring, so a second
    delivery changes nothing. An identity that is not verified is referred, never auto-approved
    and never declined for that reason alone. A request risk could not score for bad input is
    referred to an officer; a failed one (system fault) stays in scoring for requeue_stuck.
    """
    ref = request.requester_ref or ""
    if not ref.startswith(REQUESTER_PREFIX):
        return
    try:
        pk = int(ref[len(REQUESTER_PREFIX) :])
    except ValueError:
        return
    locked = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("customer", "product_version__product")
        .filter(pk=pk)
        .first()
    )
    if locked is None or locked.scoring_request_id != request.pk or locked.state != State.SCORING:
        return
    if decision is None:
        if request.state == RequestState.FAILED:
            _event(
                locked,
                actor=None,
                from_state=locked.state,
                reason=coded("app.scoring_failed", error=request.last_error[:1900]),
                payload={"scoring_request": request.pk},
            )
            return
        _move(locked, "mark_scored", actor=None, reason="risk could not score the application")
        _move(
            locked,
            "refer",
            actor=None,
            reason=coded("app.unscorable", error=request.last_error[:1900]),
            payload={"scoring_request": request.pk},
        )
        return

    locked.decision = decision
    locked.risk_grade = decision.grade
    locked.max_amount = decision.approved_limit
    locked.max_term = int((decision.offer or {}).get("term") or locked.term)
    _move(
        locked,
        "mark_scored",
        actor=None,
        reason=coded("app.decision", outcome=decision.outcome, grade=decision.grade, score=decision.score),
        payload={"decision": decision.pk, "score": decision.score, "grade": decision.grade},
        fields=("decision", "risk_grade", "max_amount", "max_term"),
    )
    outcome = decision.outcome
    reason = "; ".join(r["en"] for r in decision.reasons if r.get("kind") == "rule") or outcome
    if locked.customer.kyc_status != KycStatus.VERIFIED:
        if outcome == Outcome.APPROVE or (
            outcome == Outcome.DECLINE and decision_declined_only_for_identity(decision)
        ):
            outcome = Outcome.REFER
            reason = "identity not verified: an officer must review it"
    business = is_business(locked)
    if business and (
        outcome == Outcome.APPROVE or (outcome == Outcome.DECLINE and _declined_only_for_grade(decision))
    ):
        # The consumer scorecard alone never decides for a business: its rating needs an
        # officer's qualitative assessment first (applications.services.business).
        outcome = Outcome.REFER
        reason = REFER_REASON
    if (
        outcome == Outcome.APPROVE
        and locked.max_amount is not None
        and locked.max_amount > settings.LOANHUB_SENIOR_APPROVAL_AMOUNT
    ):
        # The system is one approver: above the amount one officer may approve alone, two people
        # decide (the maker-checker rule of officer approvals), never the scorecard alone.
        outcome = Outcome.REFER
        reason = f"amount above {settings.LOANHUB_SENIOR_APPROVAL_AMOUNT}: two people must approve it"
    if outcome == Outcome.APPROVE:
        ltv_reason = ltv_refer_reason(locked)
        if ltv_reason:
            # Not enough collateral for the product's maximum loan-to-value: an officer decides.
            outcome, reason = Outcome.REFER, ltv_reason
    if outcome == Outcome.REFER and decision.outcome == Outcome.DECLINE:
        # Declined for the identity alone: the limit risk computed before declining still holds.
        locked.max_amount = Decimal(decision.limit_basis.get("computed_limit", "0"))
        locked.save(update_fields=["max_amount"])
    fields: tuple[str, ...] = ()
    if outcome in (Outcome.APPROVE, Outcome.REFER) and not business:
        try:
            offer = offer_build(locked, amount=locked.max_amount, term=locked.max_term, grade=decision.grade)
        except ProductQuoteError as exc:
            outcome = Outcome.REFER
            reason = f"the offer could not be priced ({exc}); an officer must review it"
        else:
            now = clock.now()
            expires = (
                now + dt.timedelta(days=settings.LOANHUB_OFFER_EXPIRY_DAYS)
                if outcome == Outcome.APPROVE
                else None
            )
            fields = _set_offer(locked, offer, expires_at=expires)
            if outcome == Outcome.APPROVE:
                locked.approved_at = now
                fields = (*fields, "approved_at")
    payload = {"decision": decision.pk, "risk_outcome": decision.outcome}
    if outcome == Outcome.APPROVE:
        _move(locked, "approve", actor=None, reason="approved automatically", payload=payload, fields=fields)
    elif outcome == Outcome.REFER:
        _move(locked, "refer", actor=None, reason=reason, payload=payload, fields=fields)
    else:
        _move(locked, "decline", actor=None, reason=reason, payload=payload)
