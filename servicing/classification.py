"""Officers' classification changes: worse than the rules' floor (never better), with a reason,
approved by a second person (maker-checker). The approved class stays as the loan's
`classification_override` until a later change; the floor still applies on top of it every day.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid
from loanhub.permissions import may
from loanhub.transitions import record_event, run_transition
from servicing import quiet, rules
from servicing.choices import CLASS_RANK, ChangeStatus, Classification, LoanStatus
from servicing.models import ClassificationChange, Loan
from servicing.repayments import class_floor, loan_position, loan_refresh

__all__ = ("classification_change_approve", "classification_change_reject", "classification_change_request")


def _floor(loan: Loan) -> str:
    position = loan_position(loan)
    return rules.worst(class_floor(position), rules.observation_floor(loan.observation_until, position.as_of))


def classification_change_request(*, loan: Loan, to_class: str, reason: str, actor) -> ClassificationChange:
    """Ask for a loan's class to be set to `to_class` (at least the rules' floor)."""
    if not may(actor, "servicing.change_loan"):
        raise Forbidden(_("You may not change a loan's classification."))
    errors = {}
    if to_class not in Classification.values:
        errors["to_class"] = [_("Choose one of the five classes.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the loan is classified so.")]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        row = quiet.lock_loan(loan)
        if row.status != LoanStatus.ACTIVE:
            raise Conflict(_("Only an active loan is classified."), state=row.status)
        floor = _floor(row)
        if CLASS_RANK[to_class] < CLASS_RANK[floor]:
            raise Invalid(
                {
                    "to_class": [
                        _("The rules put this loan at least at %(floor)s.")
                        % {"floor": Classification(floor).label}
                    ]
                }
            )
        if to_class == row.classification:
            raise Invalid({"to_class": [_("The loan is already in this class.")]})
        if row.classification_changes.filter(status=ChangeStatus.PENDING).exists():
            raise Conflict(
                _("A classification change of this loan is already waiting for approval."), state="pending"
            )
        change = ClassificationChange.objects.create(
            loan=row,
            from_class=row.classification,
            to_class=to_class,
            reason=reason.strip(),
            requested_by=actor,
        )
        record_event(
            change,
            actor=actor,
            reason=reason,
            from_state="",
            payload={"from": change.from_class, "to": to_class},
        )
    return change


def _decide(change: ClassificationChange | int, name: str, *, actor, reason: str) -> ClassificationChange:
    pk = change if isinstance(change, int) else change.pk
    with transaction.atomic():
        loan_id = ClassificationChange.objects.values_list("loan_id", flat=True).get(pk=pk)
        loan = quiet.lock_loan(loan_id)

        def before(locked: ClassificationChange):
            if locked.requested_by_id == getattr(actor, "pk", None):
                raise Forbidden(_("A second person must decide on a change you asked for."))
            locked.decided_by = actor
            locked.decided_at = clock.now()
            return {"from": locked.from_class, "to": locked.to_class}

        decided = run_transition(
            pk,
            name,
            model=ClassificationChange,
            actor=actor,
            reason=reason,
            before=before,
            fields=("decided_by", "decided_at"),
        )
        if name == "approve":
            loan.classification_override = "" if decided.to_class == _floor(loan) else decided.to_class
            loan.save(update_fields=["classification_override"])
            loan_refresh(loan, actor=actor, locked=True, memo=f"Classification set to {decided.to_class}")
    return decided


def classification_change_approve(*, change, actor, reason: str = "") -> ClassificationChange:
    return _decide(change, "approve", actor=actor, reason=reason)


def classification_change_reject(*, change, actor, reason: str) -> ClassificationChange:
    if not (reason or "").strip():
        raise Invalid({"reason": [_("Say why the change is rejected.")]})
    return _decide(change, "reject", actor=actor, reason=reason)
