"""Errors of the customers app: the kernel's kinds (`loanhub.errors`) under the app's names.

Callers may catch the app's error (`CustomerValidationError`) or the kind (`Invalid`); the API
lets them propagate to the one exception handler, which answers with the one error body.
`customers.services` re-exports them under the same names.
"""

from __future__ import annotations

from loanhub.errors import Conflict, DomainError, Forbidden, Invalid, NotFound


class CustomerError(DomainError):
    """A refused customers operation (the base of the app's errors)."""


class CustomerValidationError(CustomerError, Invalid):
    """The input is invalid (400); `errors` maps each field to its messages."""


class CustomerPermissionError(CustomerError, Forbidden):
    """The actor may not do this (403): role, ownership, or acting on their own profile."""


class CustomerNotFound(CustomerError, NotFound):
    """No such customer, or one the caller may not see (404): the two are never told apart."""


class CustomerTransitionError(CustomerError, Conflict):
    """The KYC state does not allow the transition (409); `state` is the current state."""
