"""Who may do what with an application: role permissions plus the owner rule, in one place.

Roles grant model permissions (`loanhub.roles`); the object rule — a customer sees and acts on
their own applications only — is checked here. Services and selectors call these; pages and the
API never decide access on their own.
"""

from __future__ import annotations

from loanhub.permissions import SENIOR_APPROVE, is_user, may

VIEW_PERMISSION = "applications.view_loanapplication"
OFFICER_PERMISSION = "applications.change_loanapplication"


def is_owner(user, application) -> bool:
    return is_user(user, application.customer.user_id)


def may_view_all(user) -> bool:
    return may(user, VIEW_PERMISSION)


def may_view(user, application) -> bool:
    return is_owner(user, application) or may_view_all(user)


def may_decide(user) -> bool:
    """Loan Officers (and Senior Approvers): approve, refer, decline, disburse, assign."""
    return may(user, OFFICER_PERMISSION)


def may_senior_approve(user) -> bool:
    return may(user, SENIOR_APPROVE)


# django-fsm `permission=` of the transitions (instance, user); the system (no user) is let through
# by loanhub.transitions, which checks these only for a signed-in actor.
def transition_by_officer(application, user) -> bool:
    return may_decide(user) and not is_owner(user, application)


def transition_by_owner(application, user) -> bool:
    return is_owner(user, application)


def transition_by_owner_or_officer(application, user) -> bool:
    return is_owner(user, application) or may_decide(user)


def transition_by_system(application, user) -> bool:
    """No person: only the system (a beat job, actor None) runs these transitions."""
    return False
