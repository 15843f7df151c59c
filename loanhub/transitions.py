"""The one way a state changes: lock → guard → permission → transition → save → event.

The business state machines (applications, product versions, customers' KYC, scoring requests,
score models, loans and repayments) run their transitions through `run_transition`, which in one transaction

1. locks the row (`select_for_update`), so two people acting at once are served one after the
   other and the second sees the first one's result;
2. checks the FSM guard on the locked row (a state that does not allow it is a `Conflict`, 409,
   with the current state);
3. checks the transition's `permission=` for the actor (django-fsm `has_transition_perm`;
   `Forbidden`, 403); `actor=None` is the system (a worker, a beat job);
4. runs the service's `before(locked)` (its own checks and field changes, still under the lock),
   the transition, `save(update_fields=…)`;
5. writes the event row: actor, from, to, reason, payload (`TransitionEvent`).

A model joins by subclassing `Transitionable` and saying how its event row is made
(`transition_event`). `record_event` writes a note with the same state on both sides (an
assignment, a first approval of a maker-checker pair).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from loanhub import clock
from loanhub.errors import Conflict, Forbidden

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)


class Transitionable:
    """Mixin of a model whose state changes through `run_transition`."""

    state_field_name = "state"
    # A DateTimeField set to now at every transition (e.g. "state_changed_at"), or None.
    state_changed_field: str | None = None
    # True where the event row is the record of the change (no django-simple-history row too).
    transition_skips_history = False
    # The verb of each transition in refusals ("cannot approve: …"), as lazy translations
    # (pgettext_lazy("action", "approve")); a transition missing here is named by its code.
    transition_actions: dict = {}

    def transition_event(self, **fields) -> models.Model:
        """An unsaved event row of this object with `fields` (actor, from_state, to_state, reason,
        payload)."""
        raise NotImplementedError

    @property
    def current_state(self) -> str:
        return getattr(self, self.state_field_name)

    @property
    def current_state_label(self) -> str:
        """The current state as the user reads it (its choice label, in the active language)."""
        display = getattr(self, f"get_{self.state_field_name}_display", None)
        return str(display()) if display is not None else str(self.current_state)

    @classmethod
    def action_label(cls, name: str) -> str:
        """The verb of transition (or action) `name` in the active language."""
        label = cls.transition_actions.get(name)
        return str(label) if label is not None else name.replace("_", " ")


def json_safe(value: Any) -> Any:
    """Decimals, dates and datetimes as strings, so a stored payload reads back as it was written."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def actor_name(actor) -> str:
    return "the system" if _actor(actor) is None else actor.get_username()


def record_event(
    instance: Transitionable,
    *,
    actor,
    reason="",
    payload: dict | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
):
    """Write one event row of `instance` (a note when from and to are the same state). `reason` is
    a string or a `loanhub.reasons.coded(...)` system reason."""
    from loanhub.reasons import stored

    state = instance.current_state
    text, code, params = stored(reason)
    event = instance.transition_event(
        actor=_actor(actor),
        from_state=state if from_state is None else from_state,
        to_state=state if to_state is None else to_state,
        reason=text,
        payload=json_safe(payload or {}),
    )
    # The code and parameters render the reason in the reader's language (loanhub.reasons).
    event.reason_code, event.reason_params = code, params
    event.save()
    return event


def lock(instance_or_pk: M | int, *, model: type[M] | None = None, queryset=None) -> M:
    """The row re-read under a row lock (inside the caller's transaction)."""
    pk = instance_or_pk if isinstance(instance_or_pk, int) else instance_or_pk.pk
    if queryset is None:
        queryset = (model or type(instance_or_pk))._default_manager.all()
    return queryset.select_for_update(of=("self",)).get(pk=pk)


def _conflict(locked: Transitionable, name: str) -> Conflict:
    return Conflict(
        _("cannot %(action)s: %(object)s is %(state)s")
        % {"action": locked.action_label(name), "object": locked, "state": locked.current_state_label},
        state=locked.current_state,
    )


def run_transition(
    instance_or_pk: M | int,
    name: str,
    *,
    actor,
    reason="",
    payload: dict | None = None,
    fields: tuple[str, ...] | list[str] = (),
    before: Callable[[M], dict | None] | None = None,
    model: type[M] | None = None,
    queryset=None,
    conflict: Callable[[M, str], Exception] | None = None,
    locked: bool = False,
) -> M:
    """Run the FSM transition `name` on the locked row and record it; returns the locked row.

    `before(locked)` runs after the guard and permission checks and before the transition; a
    dict it returns is merged into the payload. `fields` are the extra fields it changed.
    `conflict(locked, name)` builds the error for a state that does not allow the transition.
    With `locked=True` the caller already holds the row lock inside its own transaction (a
    service that moves one object twice, or checks more under the same lock).
    """
    with transaction.atomic():
        row = instance_or_pk if locked else lock(instance_or_pk, model=model, queryset=queryset)
        method = getattr(row, name)
        if not can_proceed(method):
            raise (conflict or _conflict)(row, name)
        if _actor(actor) is not None and not has_transition_perm(method, actor):
            raise Forbidden(
                _("%(actor)s may not %(action)s %(object)s")
                % {"actor": actor_name(actor), "action": row.action_label(name), "object": row}
            )
        extra = before(row) if before is not None else None
        from_state = row.current_state
        method()
        update = [row.state_field_name, *fields]
        if row.state_changed_field:
            setattr(row, row.state_changed_field, clock.now())
            update.append(row.state_changed_field)
        if any(f.name == "updated_at" for f in row._meta.concrete_fields):
            update.append("updated_at")
        if row.transition_skips_history:
            row.skip_history_when_saving = True
        try:
            row.save(update_fields=list(dict.fromkeys(update)))
        finally:
            if row.transition_skips_history:
                del row.skip_history_when_saving
        record_event(
            row,
            actor=actor,
            reason=reason,
            payload={**(payload or {}), **(extra or {})},
            from_state=from_state,
        )
        logger.info(
            "%s %s: %s -> %s by %s", type(row).__name__, row, from_state, row.current_state, actor_name(actor)
        )
    return row
