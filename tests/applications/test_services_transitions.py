"""The state machine: every illegal transition is refused (409) and changes nothing; the legal
ones write an event with actor, from, to and reason; officer decisions need a reason."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from applications import services
from applications.models import ApplicationEvent, State
from loanhub import clock
from tests.applications.conftest import in_state

pytestmark = pytest.mark.django_db

# action → (service, who acts, states it is allowed from)
ACTIONS = {
    "submit": (services.application_submit, "owner", {State.DRAFT}),
    "withdraw": (
        services.application_withdraw,
        "owner",
        {State.SUBMITTED, State.SCORED, State.REFERRED, State.APPROVED, State.OFFER_ACCEPTED},
    ),
    "approve": (services.application_approve, "officer", {State.SCORED, State.REFERRED}),
    "refer": (services.application_refer, "officer", {State.SCORED}),
    "decline": (services.application_decline, "officer", {State.SCORED, State.REFERRED}),
    "accept_offer": (services.application_accept_offer, "owner", {State.APPROVED}),
    "decline_offer": (services.application_decline_offer, "owner", {State.APPROVED}),
    "disburse": (services.application_disburse, "officer", {State.OFFER_ACCEPTED}),
}
EXTRA = {
    "approve": {"reason": "ok"},
    "refer": {"reason": "look again"},
    "decline": {"reason": "no"},
    "accept_offer": {"consents": {"disclosure": True, "credit_contract": True}},
}


def _illegal():
    for action, (_, _, allowed) in ACTIONS.items():
        for state in State:
            if state not in allowed:
                yield action, state


def _actor(who, customer, users):
    return customer.user if who == "owner" else users["officer"]


@pytest.mark.parametrize(("action", "state"), list(_illegal()))
def test_every_illegal_transition_is_refused_and_changes_nothing(action, state, customer, product, users):
    # Given an application in `state`
    application = in_state(state, customer, product)
    service, who, _ = ACTIONS[action]
    # When the action is attempted by someone allowed to take it in principle
    with pytest.raises(services.ApplicationStateError) as caught:
        service(application=application, actor=_actor(who, customer, users), **EXTRA.get(action, {}))
    # Then it is a conflict naming the current state, and nothing moved
    assert caught.value.state == state
    phrase = {"accept_offer": "accept the offer", "decline_offer": "decline the offer"}.get(action, action)
    assert caught.value.message.startswith(f"cannot {phrase}: application {application} ")
    application.refresh_from_db()
    assert application.state == state
    assert ApplicationEvent.objects.filter(application=application).count() == 0


@pytest.mark.parametrize(
    ("action", "state", "target"),
    [
        ("withdraw", State.SUBMITTED, State.WITHDRAWN),
        ("withdraw", State.SCORED, State.WITHDRAWN),
        ("withdraw", State.REFERRED, State.WITHDRAWN),
        ("withdraw", State.APPROVED, State.WITHDRAWN),
        ("withdraw", State.OFFER_ACCEPTED, State.WITHDRAWN),
        ("refer", State.SCORED, State.REFERRED),
        ("decline", State.SCORED, State.DECLINED),
        ("decline", State.REFERRED, State.DECLINED),
        ("decline_offer", State.APPROVED, State.OFFER_DECLINED),
    ],
)
def test_legal_transitions_write_the_event(action, state, target, customer, product, users):
    application = in_state(state, customer, product)
    service, who, _ = ACTIONS[action]
    actor = _actor(who, customer, users)
    moment = clock.now() + dt.timedelta(minutes=7)
    with time_machine.travel(moment, tick=False):
        moved = service(
            application=application,
            actor=actor,
            reason="because",
            **{k: v for k, v in EXTRA.get(action, {}).items() if k != "reason"},
        )
    assert moved.state == target
    moved.refresh_from_db()
    assert moved.state == target
    event = ApplicationEvent.objects.get(application=application)
    assert (event.actor, event.from_state, event.to_state, event.reason) == (actor, state, target, "because")
    assert moved.state_changed_at == event.created_at == moment


@pytest.mark.parametrize("action", ["approve", "refer", "decline"])
def test_officer_decisions_need_a_reason(action, customer, product, users):
    application = in_state(State.SCORED, customer, product)
    service = ACTIONS[action][0]
    with pytest.raises(services.ApplicationValidationError) as caught:
        service(application=application, actor=users["officer"], reason="  ")
    assert caught.value.errors == {"reason": ["a reason is required for this decision"]}
    application.refresh_from_db()
    assert application.state == State.SCORED


@pytest.mark.parametrize("action", ["approve", "refer", "decline", "disburse"])
@pytest.mark.parametrize("role", ["owner", "auditor", "analyst", "marketing"])
def test_only_officers_decide(action, role, customer, product, users):
    application = in_state(State.SCORED, customer, product)
    actor = customer.user if role == "owner" else users[role]
    with pytest.raises(services.ApplicationPermissionError, match="only a Loan Officer"):
        ACTIONS[action][0](application=application, actor=actor, reason="x")
    application.refresh_from_db()
    assert application.state == State.SCORED


@pytest.mark.parametrize("action", ["withdraw", "accept_offer", "decline_offer"])
def test_only_the_customer_answers_for_themself(action, customer, other_customer, product, users):
    application = in_state(State.APPROVED, customer, product)
    for actor in (users["officer"], other_customer.user):
        with pytest.raises(services.ApplicationPermissionError, match="only the customer who applied"):
            ACTIONS[action][0](application=application, actor=actor, **EXTRA.get(action, {}))
    application.refresh_from_db()
    assert application.state == State.APPROVED


def test_an_officer_may_not_decide_their_own_application(product, users):
    from customers.models import Customer

    officer = users["officer"]
    customer = Customer.objects.create(
        user=officer,
        legal_name="Officer",
        id_number="110101198001010011",
        phone="13700000000",
        monthly_income="30000",
    )
    application = in_state(State.REFERRED, customer, product)
    with pytest.raises(services.ApplicationPermissionError, match="your own application"):
        services.application_decline(application=application, actor=officer, reason="x")


def test_losing_a_race_names_who_decided_and_when(customer, product, users):
    # Given two officers looking at the same referred application
    application = in_state(State.REFERRED, customer, product)
    stale = type(application).objects.get(pk=application.pk)
    services.application_decline(application=application, actor=users["officer"], reason="no income proof")
    # When the second acts on what they saw
    with pytest.raises(services.ApplicationStateError) as caught:
        services.application_approve(application=stale, actor=users["officer2"], reason="fine")
    # Then they are told who decided and when, and the first decision stands
    assert caught.value.state == State.DECLINED
    assert "already decided (Declined) by officer at " in caught.value.message
    application.refresh_from_db()
    assert application.state == State.DECLINED
    assert application.events.count() == 1


def test_assign_writes_a_note_and_is_refused_on_closed_applications(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    assigned = services.application_assign(
        application=application, actor=users["officer"], officer=users["senior"]
    )
    assert assigned.assigned_officer == users["senior"]
    event = assigned.events.get()
    assert (event.from_state, event.to_state, event.reason) == (
        State.REFERRED,
        State.REFERRED,
        "assigned to senior",
    )
    with pytest.raises(services.ApplicationValidationError):
        services.application_assign(application=application, actor=users["officer"], officer=users["auditor"])
    with pytest.raises(services.ApplicationPermissionError):
        services.application_assign(application=application, actor=users["auditor"])
    closed = in_state(State.DECLINED, customer, product)
    with pytest.raises(services.ApplicationStateError):
        services.application_assign(application=closed, actor=users["officer"])


def test_drafts_only_are_changed(customer, product):
    application = in_state(State.SCORED, customer, product)
    with pytest.raises(services.ApplicationStateError, match="cannot change"):
        services.application_update(application=application, actor=customer.user, data={"term": 12})
    application.refresh_from_db()
    assert application.term == 24
