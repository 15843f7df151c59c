"""The kernel's transition helper (loanhub.transitions), exercised on loan applications: lock,
guard, permission, before-hook, save and event in one transaction, and nothing changed when any
step refuses. (Concurrent double action: test_services_maker_checker, on PostgreSQL.)"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from applications.models import ApplicationEvent, LoanApplication, State
from loanhub import clock
from loanhub.errors import Conflict, Forbidden
from loanhub.transitions import record_event, run_transition
from tests.applications.conftest import in_state

pytestmark = pytest.mark.django_db


def _snapshot(application: LoanApplication):
    row = LoanApplication.objects.get(pk=application.pk)
    return row.state, row.state_changed_at, row.risk_grade, ApplicationEvent.objects.count()


def test_a_transition_saves_the_state_and_writes_one_event(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    later = clock.now() + dt.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        moved = run_transition(
            application,
            "decline",
            actor=users["officer"],
            reason="income not proven",
            payload={"note": 1},
            before=lambda locked: {"checked": True},
        )
    assert moved.state == State.DECLINED
    stored = LoanApplication.objects.get(pk=application.pk)
    assert (stored.state, stored.state_changed_at) == (State.DECLINED, later)
    event = ApplicationEvent.objects.get(application=application)
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        users["officer"],
        State.REFERRED,
        State.DECLINED,
        "income not proven",
    )
    assert event.payload == {"note": 1, "checked": True}


def test_a_state_that_does_not_allow_it_is_a_conflict_and_changes_nothing(customer, product, users):
    application = in_state(State.DECLINED, customer, product)
    before = _snapshot(application)
    with pytest.raises(Conflict) as refused:
        run_transition(application, "approve", actor=users["officer"])
    assert refused.value.state == State.DECLINED
    assert _snapshot(application) == before


def test_the_transitions_permission_is_checked_for_a_signed_in_actor(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    before = _snapshot(application)
    # The customer may not decide their own application; an auditor may not decide at all.
    for actor in (customer.user, users["auditor"]):
        with pytest.raises(Forbidden):
            run_transition(application, "approve", actor=actor)
    assert _snapshot(application) == before
    # An officer may not accept the customer's offer for them.
    approved = in_state(State.APPROVED, customer, product)
    with pytest.raises(Forbidden):
        run_transition(approved, "accept_offer", actor=users["officer"])
    assert LoanApplication.objects.get(pk=approved.pk).state == State.APPROVED


def test_the_system_acts_without_a_user(customer, product):
    application = in_state(State.SCORED, customer, product)
    moved = run_transition(application, "refer", actor=None, reason="low score")
    assert moved.state == State.REFERRED
    assert ApplicationEvent.objects.get(application=application).actor is None


def test_a_refusing_before_hook_rolls_everything_back(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    before = _snapshot(application)

    def refuse(locked):
        locked.risk_grade = "E"
        locked.save(update_fields=["risk_grade"])
        raise Conflict("changed my mind", state=locked.state)

    with pytest.raises(Conflict, match="changed my mind"):
        run_transition(application, "decline", actor=users["officer"], before=refuse)
    assert _snapshot(application) == before


def test_record_event_writes_a_note_in_the_current_state(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    note = record_event(application, actor=users["officer"], reason="called the customer", payload={"n": 2})
    assert (note.from_state, note.to_state, note.reason, note.payload) == (
        State.REFERRED,
        State.REFERRED,
        "called the customer",
        {"n": 2},
    )
