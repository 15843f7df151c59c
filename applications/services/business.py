"""Business customers (small businesses, sole proprietors): referred until an officer's qualitative
assessment, then rated (`risk.business`) and priced and limited by the rating's grade through the
same grid and grade caps as consumers. A grade override needs a second person.

Flow: risk decision → `application_apply_decision` refers a business customer's application
("business_assessment") → the officer's `application_assess_business` (answers) → rating → the
application's grade, limit and proposed offer follow the rating (still referred) → an officer
approves through `application_approve` (its maker-checker above the senior amount applies).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import LoanApplication, State
from applications.services.base import (
    REQUESTER_PREFIX,
    ApplicationPermissionError,
    ApplicationStateError,
    ApplicationValidationError,
    _event,
    _lock,
    _require_officer,
    _require_reason,
)
from applications.services.offers import _set_offer, offer_build
from customers.business import business_facts
from customers.models import BUSINESS_TYPES
from loanhub.reasons import coded
from products.quotes import ProductQuoteError
from risk.business import services as rating_services
from risk.business.models import BusinessRating
from risk.product_terms import ProductTerms

ASSESSABLE_STATES = (State.REFERRED,)
LIMIT_STEP = Decimal("100")
REFER_REASON = "business customer: an officer's qualitative assessment is needed"


def is_business(application: LoanApplication) -> bool:
    return application.customer.customer_type in BUSINESS_TYPES


def requester_ref(application: LoanApplication) -> str:
    return f"{REQUESTER_PREFIX}{application.pk}"


def rating_for(application: LoanApplication) -> BusinessRating | None:
    """The rating in force of a business customer's application (the latest assessment), or None."""
    if application.pk is None or not is_business(application):
        return None
    return rating_services.rating_latest(requester_ref=requester_ref(application))


def require_assessed(application: LoanApplication) -> None:
    """409 while a business customer's application has no rating or a pending grade override
    (called by `application_approve` under its lock)."""
    refusal = assessment_refusal(application)
    if refusal:
        raise ApplicationStateError(refusal, state=application.state)


def assessment_refusal(application: LoanApplication) -> str | None:
    """Why a business customer's application cannot be approved yet (no rating, or a grade
    override waiting for a second person); None when nothing blocks it or for an individual."""
    if not is_business(application):
        return None
    rating = rating_for(application)
    if rating is None:
        return _("cannot approve: the business has not been assessed yet (qualitative assessment first)")
    if rating_services.rating_pending_override(rating):
        return _("cannot approve: a grade override awaits a second person")
    return None


def _limit_for(application: LoanApplication, grade: str) -> Decimal:
    """The risk decision's limit recomputed for `grade`: min(requested, product maximum, what keeps
    the debt-to-income within the maximum, the grade's cap), in whole hundreds."""
    decision = application.decision
    basis = decision.limit_basis
    terms = ProductTerms.from_json(decision.product_terms)
    bounds = [Decimal(basis[k]) for k in ("requested", "product_max", "dti_max_amount") if k in basis]
    lowest = min([*bounds, terms.cap_for(grade)])
    return max((lowest / LIMIT_STEP).to_integral_value(rounding=ROUND_DOWN) * LIMIT_STEP, Decimal(0))


def _apply_rating(locked: LoanApplication, rating: BusinessRating, *, actor, reason) -> None:
    """The rating's grade prices and limits the application's proposed offer (it stays referred for
    an officer's approval); a grade the product does not price, or a limit below its minimum,
    leaves no offer and says why."""
    grade = rating.grade
    locked.risk_grade = grade
    locked.max_amount = _limit_for(locked, grade)
    fields: tuple[str, ...] = ("risk_grade", "max_amount")
    payload = {
        "rating": rating.pk,
        "grade": grade,
        "score": str(rating.score),
        "pd": str(rating.pd),
        "rubric_version": rating.rubric.version,
        "indicators": [{"code": i["code"], "points": i["points"]} for i in rating.indicators],
        "max_amount": str(locked.max_amount),
    }
    version = locked.product_version
    if locked.max_amount < version.amount_min:
        payload["no_offer"] = f"limit {locked.max_amount} < minimum {version.amount_min}"
    else:
        try:
            offer = offer_build(locked, amount=locked.max_amount, term=locked.max_term, grade=grade)
        except ProductQuoteError as exc:
            payload["no_offer"] = str(exc.errors)[:500]
        else:
            fields = (*fields, *_set_offer(locked, offer, expires_at=None))
    locked.save(update_fields=[*fields, "updated_at"])
    _event(locked, actor=actor, from_state=locked.state, reason=reason, payload=payload)


def application_assess_business(*, application: LoanApplication, actor, answers: dict) -> BusinessRating:
    """A Loan Officer's qualitative assessment of a business customer's referred application: the
    answers are scored with the business data under the published rubric, and the rating's grade
    prices and limits the proposed offer. Assessing again replaces the rating."""
    _require_officer(actor, application, "assess")
    if not isinstance(answers, dict):
        raise ApplicationValidationError({"answers": [_("must be an object of indicator codes to choices")]})
    with transaction.atomic():
        locked = _lock(application)
        if not is_business(locked):
            raise ApplicationStateError(
                _("only applications of small businesses and sole proprietors are assessed"),
                state=locked.state,
            )
        if locked.state not in ASSESSABLE_STATES or locked.decision_id is None:
            raise ApplicationStateError(
                _("cannot assess: the application is %(state)s (only a referred one is assessed)")
                % {"state": locked.get_state_display()},
                state=locked.state,
            )
        current = rating_for(locked)
        if current is not None and rating_services.rating_pending_override(current):
            raise ApplicationStateError(
                _("cannot assess: a grade override awaits a second person"), state=locked.state
            )
        facts = business_facts(customer_id=locked.customer_id)
        if facts is None:
            raise ApplicationStateError(
                _("cannot assess: the customer has not entered the business data"), state=locked.state
            )
        rating = rating_services.rating_create(
            decision=locked.decision,
            requester_ref=requester_ref(locked),
            customer_id=locked.customer_id,
            customer_type=locked.customer.customer_type,
            facts=facts,
            amount=locked.amount,
            term=locked.term,
            answers=answers,
            actor=actor,
        )
        _apply_rating(
            locked,
            rating,
            actor=actor,
            reason=coded(
                "app.business_assessed", grade=rating.grade, score=rating.score, version=rating.rubric.version
            ),
        )
    return rating


def application_request_grade_override(
    *, application: LoanApplication, actor, grade: str, reason: str
) -> BusinessRating:
    """A Loan Officer asks for another grade than the rating's, with a reason (a second person
    decides: `application_decide_grade_override`)."""
    _require_officer(actor, application, "override_grade")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        rating = _open_rating(locked)
        rating = rating_services.rating_request_override(
            rating=rating, grade=grade, reason=reason, actor=actor
        )
        _event(
            locked,
            actor=actor,
            from_state=locked.state,
            reason=reason,
            payload={"rating": rating.pk, "override_grade": grade, "second_person_required": True},
        )
    return rating


def application_decide_grade_override(
    *, application: LoanApplication, actor, approve: bool, reason: str = ""
) -> BusinessRating:
    """A Senior Approver other than the officer who asked approves or rejects a grade override;
    approved, the new grade re-prices and re-limits the proposed offer."""
    _require_officer(actor, application, "override_grade")
    if not perms.may_senior_approve(actor):
        raise ApplicationPermissionError(_("a grade override needs a Senior Approver's decision"))
    with transaction.atomic():
        locked = _lock(application)
        rating = _open_rating(locked)
        rating = rating_services.rating_decide_override(
            rating=rating, approve=approve, actor=actor, reason=reason
        )
        if approve:
            _apply_rating(
                locked,
                rating,
                actor=actor,
                reason=coded(
                    "app.grade_override_approved", grade=rating.grade, note=rating.override_reason[:1900]
                ),
            )
        else:
            _event(
                locked,
                actor=actor,
                from_state=locked.state,
                reason=reason or "grade override rejected",
                payload={"rating": rating.pk, "override_rejected": rating.override_grade},
            )
    return rating


def _open_rating(locked: LoanApplication) -> BusinessRating:
    if locked.state not in ASSESSABLE_STATES:
        raise ApplicationStateError(
            _("cannot override the grade: the application is %(state)s")
            % {"state": locked.get_state_display()},
            state=locked.state,
        )
    rating = rating_for(locked)
    if rating is None:
        raise ApplicationStateError(_("the business has not been assessed yet"), state=locked.state)
    return rating
