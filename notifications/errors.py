"""Errors of the notifications app."""

from loanhub.errors import Invalid


class NotificationInvalid(Invalid):
    """A message that cannot be sent as asked (no address, unknown template): 400."""
