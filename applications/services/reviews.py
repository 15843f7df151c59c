"""Human review of a decision made solely by automated means (PIPL arts. 24 and 55).

The customer asks once per decision (`application_request_review`): declined →
review_requested, with a ReviewRequest holding their reason. An officer — a person, never the
system, not the applicant and not anyone who took a manual decision on the application — decides
it (`review_decide`): uphold (→ declined) or overturn (→ referred, the manual review path, with
the limit risk computed before declining, so an officer can approve within it). Both happen under
the application's row lock, so of two officers deciding one review one wins and the other gets a
409 naming who decided and when.

Only declines are reviewable: an automated approval's limit and price are the risk decision's
limit and the product's grid, which no officer may exceed, so a review could change nothing the
customer asks for (they can decline the offer and apply again).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import (
    ApplicationEvent,
    LoanApplication,
    ReviewOutcome,
    ReviewRequest,
    State,
)
from applications.services.base import (
    ApplicationPermissionError,
    ApplicationStateError,
    ApplicationValidationError,
    _last_move_into,
    _lock,
    _move,
    _require_owner,
    state_conflict,
)
from loanhub import clock
from loanhub.permissions import may

REVIEW_PERMISSION = "applications.change_reviewrequest"
TEXT_MAX_LENGTH = 1000
# Control characters (C0, DEL, C1) other than the line breaks and tabs a text box sends.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Moves that are a person's credit decision (a first approval of a maker-checker pair is a note).
_DECISION_STATES = (State.APPROVED, State.REFERRED, State.DECLINED)


def clean_text(value, *, field: str, required: bool = True) -> str:
    """Free text from a customer or an officer: stripped, bounded, without control characters."""
    text = (value if isinstance(value, str) else "").replace("\r\n", "\n").strip()
    if _CONTROL.search(text):
        raise ApplicationValidationError({field: [_("must not contain control characters")]})
    if len(text) > TEXT_MAX_LENGTH:
        raise ApplicationValidationError(
            {field: [_("at most %(count)s characters") % {"count": TEXT_MAX_LENGTH}]}
        )
    if required and not text:
        raise ApplicationValidationError({field: [_("this field is required")]})
    return text


def _automated(application: LoanApplication) -> bool:
    """True when the application's current decline was the system's (no person in the move)."""
    if application.state != State.DECLINED or application.decision_id is None:
        return False
    event = _last_move_into(application)
    return event is not None and event.actor_id is None


def review_for_decision(application: LoanApplication) -> ReviewRequest | None:
    """The review request of the application's current decision, if one was made."""
    if application.decision_id is None:
        return None
    return application.review_requests.filter(decision_id=application.decision_id).first()


def review_may_be_requested(application: LoanApplication) -> bool:
    """True when the customer may ask for a human review now (an automated decline not yet
    reviewed)."""
    return _automated(application) and review_for_decision(application) is None


def _manual_deciders(application: LoanApplication) -> set[int]:
    """Who took a manual credit decision on the application (approve, refer, decline, or a first
    approval of a maker-checker pair)."""
    deciders = set()
    for actor_id, from_state, to_state, payload in ApplicationEvent.objects.filter(
        application=application, actor__isnull=False
    ).values_list("actor_id", "from_state", "to_state", "payload"):
        moved = from_state != to_state and to_state in _DECISION_STATES
        if moved or (isinstance(payload, dict) and "pending_approval" in payload):
            deciders.add(actor_id)
    return deciders


def review_check_requester(*, application: LoanApplication, actor) -> None:
    """Only the applicant asks for a review: anyone else is refused before their input is read."""
    _require_owner(actor, application, "request_review")


def application_request_review(*, application: LoanApplication, actor, reason: str) -> ReviewRequest:
    """The customer asks a person to review the automated decline of their application: declined →
    review_requested, with their reason. Once per decision: a second request is a 409."""
    _require_owner(actor, application, "request_review")
    reason = clean_text(reason, field="reason")
    with transaction.atomic():
        locked = _lock(application)
        earlier = review_for_decision(locked)
        if earlier is not None:
            when = timezone.localtime(earlier.requested_at).strftime("%Y-%m-%d %H:%M")
            if earlier.pending:
                message = _(
                    "you already asked for a human review of this decision on %(when)s; an officer "
                    "is reviewing it"
                )
            else:
                message = _(
                    "you already asked for a human review of this decision on %(when)s and it was "
                    "reviewed (%(outcome)s); a decision is reviewed once"
                )
            raise ApplicationStateError(
                message % {"when": when, "outcome": earlier.get_outcome_display()}, state=locked.state
            )
        if locked.state != State.DECLINED:
            raise state_conflict(locked, "request_review")
        if not _automated(locked):
            raise ApplicationStateError(
                _(
                    "cannot request a human review: application %(application)s was declined by a "
                    "person, not solely by automated means"
                )
                % {"application": locked},
                state=locked.state,
            )
        review = ReviewRequest.objects.create(
            application=locked,
            decision_id=locked.decision_id,
            reviewed_state=locked.state,
            reason=reason,
            requested_by=actor,
            requested_at=clock.now(),
        )
        _move(
            locked,
            "request_review",
            actor=actor,
            reason=reason,
            payload={"review_request": review.pk, "decision": locked.decision_id},
        )
    return review


def _already_decided(review: ReviewRequest, state: str) -> ApplicationStateError:
    return ApplicationStateError(
        _("this review was already decided (%(outcome)s) by %(officer)s at %(when)s")
        % {
            "outcome": review.get_outcome_display(),
            "officer": review.decided_by.get_username() if review.decided_by_id else _("the system"),
            "when": timezone.localtime(review.decided_at).strftime("%Y-%m-%d %H:%M:%S %Z"),
        },
        state=state,
    )


def review_decide(*, review: ReviewRequest, actor, outcome: str, explanation: str) -> ReviewRequest:
    """An officer upholds or overturns the automated decision, with an explanation the customer
    is shown. Overturned: the application goes back to manual review (referred) with the limit
    risk computed before it declined."""
    if not getattr(actor, "is_authenticated", False):
        raise ApplicationPermissionError(_("a human review is decided by a person, not by the system"))
    if not may(actor, REVIEW_PERMISSION):
        raise ApplicationPermissionError(_("only a Loan Officer may decide a human review"))
    if outcome not in ReviewOutcome.values:
        raise ApplicationValidationError(
            {"outcome": [_("must be one of %(values)s") % {"values": ", ".join(ReviewOutcome.values)}]}
        )
    explanation = clean_text(explanation, field="explanation")
    with transaction.atomic():
        # The application first, as every application service locks it: one order, no deadlock.
        application = _lock(review.application_id)
        locked = (
            ReviewRequest.objects.select_for_update(of=("self",))
            .select_related("decided_by")
            .get(pk=review.pk)
        )
        if not locked.pending:
            raise _already_decided(locked, application.state)
        if perms.is_owner(actor, application):
            raise ApplicationPermissionError(_("you may not review a decision on your own application"))
        if actor.pk in _manual_deciders(application):
            raise ApplicationPermissionError(
                _("you took a decision on this application; another officer must review it")
            )
        if application.state != State.REVIEW_REQUESTED:
            action = "uphold_review" if outcome == ReviewOutcome.UPHELD else "overturn_review"
            raise state_conflict(application, action)
        now = clock.now()
        locked.outcome = outcome
        locked.explanation = explanation
        locked.decided_by = actor
        locked.decided_at = now
        locked.save(update_fields=["outcome", "explanation", "decided_by", "decided_at"])
        payload = {"review_request": locked.pk, "outcome": outcome}
        if outcome == ReviewOutcome.UPHELD:
            _move(application, "uphold_review", actor=actor, reason=explanation, payload=payload)
        else:
            # Risk's decision kept the limit it computed before declining: officers approve within it.
            basis = application.decision.limit_basis or {}
            application.max_amount = Decimal(str(basis.get("computed_limit") or "0"))
            _move(
                application,
                "overturn_review",
                actor=actor,
                reason=explanation,
                payload={**payload, "max_amount": str(application.max_amount)},
                fields=("max_amount",),
            )
    return locked
