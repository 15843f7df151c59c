"""Officers' actions: approve (with maker-checker and counter-offers), refer, decline, assign."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import (
    TERMINAL_STATES,
    LoanApplication,
)
from applications.services.base import (
    ApplicationPermissionError,
    ApplicationStateError,
    ApplicationValidationError,
    _event,
    _lock,
    _move,
    _name,
    _require_officer,
    _require_reason,
    _require_state,
    state_conflict,
)
from applications.services.business import assessment_refusal, require_assessed
from applications.services.offers import _set_offer, offer_build
from customers import selectors as customer_selectors
from customers.models import KycStatus
from loanhub import clock
from loanhub.money import is_cents, quantize_money
from loanhub.reasons import coded
from products.choices import Frequency
from products.compliance import installments_for
from products.pricing import grid_tier
from products.quotes import ProductQuoteError

logger = logging.getLogger(__name__)


def _counter_offer(application: LoanApplication, amount, term) -> tuple[Decimal, int]:
    """The amount and term an officer approves, checked against the decision and the product."""
    errors: dict[str, list[str]] = {}
    version = application.product_version
    if amount in (None, ""):
        amount = application.max_amount
    else:
        try:
            amount = Decimal(str(amount).strip())
        except (InvalidOperation, ValueError):
            raise ApplicationValidationError({"amount": [_("must be a number")]}) from None
        if not is_cents(amount):
            raise ApplicationValidationError({"amount": [_("must be an amount with at most two decimals")]})
        amount = quantize_money(amount)
    try:
        term = application.max_term if term in (None, "") else int(term)
    except (TypeError, ValueError):
        raise ApplicationValidationError({"term": [_("must be a whole number of months")]}) from None
    values = {
        "max_amount": application.max_amount,
        "amount_min": version.amount_min,
        "max_term": application.max_term,
        "term_min": version.term_min,
        "code": version.code,
        "frequency": dict(Frequency.choices).get(application.frequency, application.frequency),
        "grade": application.risk_grade,
        "term": term,
    }
    if amount > application.max_amount:
        errors["amount"] = [_("must be at most %(max_amount)s, the limit of the risk decision") % values]
    elif amount < version.amount_min:
        errors["amount"] = [_("must be at least %(amount_min)s, the minimum of product %(code)s") % values]
    if term > application.max_term:
        errors["term"] = [_("must be at most %(max_term)s months, the term of the risk decision") % values]
    elif term < version.term_min:
        errors["term"] = [_("must be at least %(term_min)s months for product %(code)s") % values]
    elif installments_for(term, application.frequency) is None:
        errors["term"] = [_("must be whole %(frequency)s installments") % values]
    elif grid_tier(version, grade=application.risk_grade, term=term) is None:
        errors["term"] = [_("product %(code)s has no price for grade %(grade)s at %(term)s months") % values]
    if errors:
        raise ApplicationValidationError(errors)
    return amount, term


def _no_decision() -> str:
    return _(
        "cannot approve: there is no risk decision to approve against (decline it, or resubmit as a "
        "new application)"
    )


def _identity_refusal(application: LoanApplication) -> str | None:
    customer = application.customer
    if customer.kyc_status == KycStatus.VERIFIED:
        return None
    if customer_selectors.identity_document_latest(customer=customer) is None:
        return _(
            "cannot approve: the customer's identity is not verified, and it cannot be yet: the "
            "customer has not uploaded an identity card"
        )
    return _(
        "cannot approve: the customer's identity is not verified (KYC status: %(status)s); verify "
        "it on the customer's page against the identity card first"
    ) % {"status": customer.get_kyc_status_display()}


def application_approve_blockers(*, application: LoanApplication, actor) -> list[str]:
    """Why `application_approve` would refuse `actor` now, in the service's own words, so the
    console disables its Approve button and says why instead of failing after a reason is typed.
    A read without a lock: the service checks everything again under its lock."""
    blockers = []
    if application.decision_id is None:
        blockers.append(_no_decision())
    refusal = assessment_refusal(application)
    if refusal:
        blockers.append(refusal)
    refusal = _identity_refusal(application)
    if refusal:
        blockers.append(refusal)
    if application.pending_approval_by_id:
        if application.pending_approval_by_id == actor.pk:
            blockers.append(_("maker-checker: you gave the first approval; a second person must complete it"))
        elif not perms.may_senior_approve(actor):
            blockers.append(
                _("the second approval above %(amount)s needs a Senior Approver")
                % {"amount": settings.LOANHUB_SENIOR_APPROVAL_AMOUNT}
            )
    return blockers


def application_approve(
    *, application: LoanApplication, actor, reason: str, amount=None, term=None
) -> LoanApplication:
    """An officer approves a scored or referred application, optionally as a counter-offer (lower
    amount, other term) within the risk decision's limits. Above LOANHUB_SENIOR_APPROVAL_AMOUNT
    two people approve: the first records a pending approval (state unchanged), a second person
    with `loanhub.senior_approve` completes it. Refused (409) while the customer's identity is not
    verified."""
    _require_officer(actor, application, "approve")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "approve", "approve")
        if locked.decision_id is None:
            raise ApplicationStateError(_no_decision(), state=locked.state)
        require_assessed(locked)
        refusal = _identity_refusal(locked)
        if refusal:
            raise ApplicationStateError(refusal, state=locked.state)
        pending = locked.pending_approval if locked.pending_approval_by_id else None
        if pending:
            requested = (amount, term)
            amount = Decimal(pending["amount"]) if amount in (None, "") else amount
            term = int(pending["term"]) if term in (None, "") else term
        amount, term = _counter_offer(locked, amount, term)
        now = clock.now()
        if pending:
            if (amount, term) != (Decimal(pending["amount"]), int(pending["term"])):
                raise ApplicationValidationError(
                    {
                        "amount" if requested[0] not in (None, "") else "term": [
                            _(
                                "differs from the first approval (%(amount)s over %(term)s months); "
                                "decline it or approve the same terms"
                            )
                            % {"amount": pending["amount"], "term": pending["term"]}
                        ]
                    }
                )
            if locked.pending_approval_by_id == actor.pk:
                raise ApplicationPermissionError(
                    _("maker-checker: you gave the first approval; a second person must complete it")
                )
            if not perms.may_senior_approve(actor):
                raise ApplicationPermissionError(
                    _("the second approval above %(amount)s needs a Senior Approver")
                    % {"amount": settings.LOANHUB_SENIOR_APPROVAL_AMOUNT}
                )
        elif amount > settings.LOANHUB_SENIOR_APPROVAL_AMOUNT:
            locked.pending_approval_by = actor
            locked.pending_approval_at = now
            locked.pending_approval = {"amount": str(amount), "term": term, "reason": reason}
            locked.save(
                update_fields=["pending_approval_by", "pending_approval_at", "pending_approval", "updated_at"]
            )
            _event(
                locked,
                actor=actor,
                from_state=locked.state,
                reason=reason,
                payload={"pending_approval": locked.pending_approval, "second_approval_required": True},
            )
            return locked
        try:
            offer = offer_build(locked, amount=amount, term=term, grade=locked.risk_grade)
        except ProductQuoteError as exc:
            raise ApplicationValidationError(exc.errors) from None
        fields = _set_offer(
            locked, offer, expires_at=now + dt.timedelta(days=settings.LOANHUB_OFFER_EXPIRY_DAYS)
        )
        payload = {
            "amount": str(amount),
            "term": term,
            "counter_offer": amount < locked.amount or term != locked.term,
        }
        if pending:
            payload["first_approval"] = {
                "by": _name(locked.pending_approval_by),
                "at": locked.pending_approval_at,
                "reason": pending.get("reason", ""),
            }
        locked.approved_by = actor
        locked.approved_at = now
        locked.pending_approval_by = None
        locked.pending_approval_at = None
        locked.pending_approval = {}
        _move(
            locked,
            "approve",
            actor=actor,
            reason=reason,
            payload=payload,
            fields=(
                *fields,
                "approved_by",
                "approved_at",
                "pending_approval_by",
                "pending_approval_at",
                "pending_approval",
            ),
        )
    return locked


def application_refer(*, application: LoanApplication, actor, reason: str) -> LoanApplication:
    """scored → referred by an officer, with a reason."""
    _require_officer(actor, application, "refer")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "refer", "refer")
        _move(locked, "refer", actor=actor, reason=reason)
    return locked


def application_decline(*, application: LoanApplication, actor, reason: str) -> LoanApplication:
    """scored or referred → declined by an officer, with a reason (a pending first approval lapses)."""
    _require_officer(actor, application, "decline")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "decline", "decline")
        payload = {}
        if locked.pending_approval_by_id:
            payload["pending_approval_lapsed"] = {
                "by": _name(locked.pending_approval_by),
                **locked.pending_approval,
            }
        locked.pending_approval_by = None
        locked.pending_approval_at = None
        locked.pending_approval = {}
        _move(
            locked,
            "decline",
            actor=actor,
            reason=reason,
            payload=payload,
            fields=("pending_approval_by", "pending_approval_at", "pending_approval"),
        )
    return locked


def application_assign(*, application: LoanApplication, actor, officer=None) -> LoanApplication:
    """Give an open application to an officer (the actor when `officer` is None)."""
    if not perms.may_decide(actor):
        raise ApplicationPermissionError(_("only a Loan Officer may assign applications"))
    officer = officer or actor
    if not perms.may_decide(officer):
        raise ApplicationValidationError(
            {"officer": [_("%(name)s is not a Loan Officer") % {"name": _name(officer)}]}
        )
    with transaction.atomic():
        locked = _lock(application)
        if locked.state in TERMINAL_STATES:
            raise state_conflict(locked, "assign")
        locked.assigned_officer = officer
        locked.save(update_fields=["assigned_officer", "updated_at"])
        _event(
            locked,
            actor=actor,
            from_state=locked.state,
            reason=coded("app.assigned", officer=_name(officer)),
            payload={"assigned_officer": officer.pk},
        )
    return locked
