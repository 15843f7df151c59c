"""Errors of the marketing app (the one DRF exception handler answers them)."""

from loanhub.errors import Forbidden, Invalid, NotFound


class MarketingInvalid(Invalid):
    """Bad input: 400 with field errors."""


class MarketingForbidden(Forbidden):
    """The caller's role may not do this: 403."""


class MarketingNotFound(NotFound):
    """No such segment, campaign or experiment: 404."""
