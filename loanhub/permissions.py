"""The one way LoanHub asks "may this user do that": named permissions granted to roles.

Roles (Django groups, `loanhub.roles`) hold model permissions and the platform capabilities;
services ask `may(user, "app.codename")`, never the role name, `is_staff` or `is_superuser`
directly, so granting a role a new power is one line in `loanhub.roles` and every check follows.
Object rules (a customer acts on their own data, the maker is not the checker) are checked by
the services on top of this.
"""

from __future__ import annotations

from loanhub.roles import STAFF_ROLES

# Platform capabilities (loanhub.Capability permissions, granted by name only).
REVEAL_PII = "loanhub.reveal_pii"
AUDIT_READ = "loanhub.audit_read"
SENIOR_APPROVE = "loanhub.senior_approve"


def may(user, *permissions: str) -> bool:
    """True when the user is signed in, active and holds every one of `permissions`."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return all(user.has_perm(permission) for permission in permissions)


def may_any(user, *permissions: str) -> bool:
    """True when the user is signed in, active and holds at least one of `permissions`."""
    return any(may(user, permission) for permission in permissions)


def is_user(user, pk: int | None) -> bool:
    """True when `user` is the signed-in user with primary key `pk` (the owner rule)."""
    return bool(getattr(user, "is_authenticated", False) and pk is not None and user.pk == pk)


def is_staff_account(user) -> bool:
    """True for a signed-in member of staff: a staff role, or an account that may enter the admin
    console. Staff act on customers' data through their roles, never as a customer themselves."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=STAFF_ROLES).exists()
