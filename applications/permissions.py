"""Who may do what with an application: role permissions plus the owner rule, in one place.

Roles grant model permissions (`loanhub.roles`); the object rule — a customer sees and acts on
their own applications only — is checked here. Services and selectors call these; pages and the
API never decide access on their own.
"""

from __future__ import annotations

VIEW_PERMISSION = "applications.view_loanapplication"
OFFICER_PERMISSION = "applications.change_loanapplication"
SENIOR_PERMISSION = "loanhub.senior_approve"


def is_owner(user, application) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return application.customer.user_id == user.pk


def may_view_all(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION))


def may_view(user, application) -> bool:
    return is_owner(user, application) or may_view_all(user)


def may_decide(user) -> bool:
    """Loan Officers (and Senior Approvers): approve, refer, decline, disburse, assign."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(OFFICER_PERMISSION))


def may_senior_approve(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(SENIOR_PERMISSION))
