"""What every applications service shares: its errors, the row lock, the move through the state
machine (the kernel's `run_transition`), the event notes and the refusal messages."""

from __future__ import annotations

import hashlib
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from applications import (
    event_reasons,  # noqa: F401  (registers the reason codes the services record)
    notices,
)
from applications import permissions as perms
from applications.models import DECIDED_STATES, ApplicationEvent, LoanApplication, State
from loanhub.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from loanhub.text import text_error
from loanhub.transitions import actor_name, json_safe, record_event, run_transition

REQUESTER_PREFIX = "applications.LoanApplication:"
REQUIRED_ACCEPTANCE_CONSENTS = ("disclosure", "credit_contract")


# --- Errors (kinds of loanhub.errors: the API answers them 400, 403, 404, 409) --------------------
class ApplicationError(DomainError):
    """Base of the errors applications' services raise on purpose."""


class ApplicationValidationError(ApplicationError, Invalid):
    """Bad input; `errors` is field-keyed: {"amount": ["must be between …"]}."""


class ApplicationPermissionError(ApplicationError, Forbidden):
    """The caller's role (or the maker-checker rule) does not allow the action."""


class ApplicationNotFound(ApplicationError, NotFound):
    """No such application, or one the caller may not see."""


class ApplicationStateError(ApplicationError, Conflict):
    """The action is not allowed in the application's current state (`state`)."""


# --- Helpers -------------------------------------------------------------------------------------
_name = actor_name
_json_safe = json_safe


def _digest(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _lock(application: LoanApplication | int) -> LoanApplication:
    pk = application if isinstance(application, int) else application.pk
    return (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("customer", "product_version__product")
        .get(pk=pk)
    )


def _event(
    application: LoanApplication,
    *,
    actor,
    from_state: str,
    reason: str = "",
    payload: dict | None = None,
    to_state: str | None = None,
) -> ApplicationEvent:
    return record_event(
        application, actor=actor, reason=reason, payload=payload, from_state=from_state, to_state=to_state
    )


def _move(
    application: LoanApplication,
    transition: str,
    *,
    actor,
    reason: str = "",
    payload: dict | None = None,
    fields: tuple[str, ...] = (),
) -> LoanApplication:
    """Run one guarded transition on a row the caller has locked, save it and write its event.
    A move into a decided state tells the customer after the commit (applications.notices)."""
    moved = run_transition(
        application,
        transition,
        actor=actor,
        reason=reason,
        payload=payload,
        fields=fields,
        conflict=state_conflict,
        locked=True,
    )
    notices.application_decided(moved)
    return moved


def _last_move_into(application: LoanApplication) -> ApplicationEvent | None:
    return (
        application.events.filter(to_state=application.state)
        .exclude(from_state=application.state)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def state_conflict(application: LoanApplication, action: str) -> ApplicationStateError:
    """The 409 for `action` (a transition's name, or "change", "assign") in the current state,
    naming who moved it there and when, in the active language."""
    state = application.state
    event = _last_move_into(application)
    values = {
        "action": application.action_label(action),
        "application": application,
        "state": application.current_state_label,
    }
    if event is not None:
        values["actor"] = event.actor.get_username() if event.actor_id else _("the system")
        values["when"] = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    if state in DECIDED_STATES:
        if event is None:
            message = _("cannot %(action)s: application %(application)s was already decided (%(state)s)")
        else:
            message = _(
                "cannot %(action)s: application %(application)s was already decided (%(state)s) "
                "by %(actor)s at %(when)s"
            )
    elif state == State.WITHDRAWN:
        if event is None:
            message = _("cannot %(action)s: application %(application)s was withdrawn")
        else:
            message = _(
                "cannot %(action)s: application %(application)s was withdrawn by %(actor)s at %(when)s"
            )
    elif event is None:
        message = _('cannot %(action)s: application %(application)s is in state "%(state)s"')
    else:
        message = _(
            'cannot %(action)s: application %(application)s is in state "%(state)s" '
            "(since %(when)s, by %(actor)s)"
        )
    return ApplicationStateError(message % values, state=state)


def _require_state(application: LoanApplication, action: str, transition: str) -> None:
    if not can_proceed(getattr(application, transition)):
        raise state_conflict(application, action)


REASON_MAX_LENGTH = 2000


def _clean_reason(reason: str) -> str:
    """A reason as typed, trimmed: text of at most REASON_MAX_LENGTH characters, line breaks
    allowed, no control characters (loanhub.text)."""
    reason = str(reason or "").strip()
    message = text_error(reason, max_length=REASON_MAX_LENGTH, multiline=True)
    if message:
        raise ApplicationValidationError({"reason": [message]})
    return reason


def _require_reason(reason: str) -> str:
    reason = _clean_reason(reason)
    if not reason:
        raise ApplicationValidationError({"reason": [_("a reason is required for this decision")]})
    return reason


def _require_officer(actor, application: LoanApplication, action: str) -> None:
    values = {"action": application.action_label(action)}
    if not perms.may_decide(actor):
        raise ApplicationPermissionError(_("only a Loan Officer may %(action)s an application") % values)
    if perms.is_owner(actor, application):
        raise ApplicationPermissionError(_("you may not %(action)s your own application") % values)


def _require_owner(actor, application: LoanApplication, action: str) -> None:
    if not perms.is_owner(actor, application):
        raise ApplicationPermissionError(
            _("only the customer who applied may %(action)s") % {"action": application.action_label(action)}
        )
