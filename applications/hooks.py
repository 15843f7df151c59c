"""Callbacks that higher apps (marketing) register to hear of an application's milestones.

Registered in the higher app's AppConfig.ready():

    from applications.hooks import register_submitted
    register_submitted(marketing.services.attribution_record)

A submitted hook is called as `hook(application=LoanApplication)` inside the transaction that
submits it, so what it writes commits with the submission or not at all; a hook that raises
rolls the submission back.
"""

from __future__ import annotations

from collections.abc import Callable

Hook = Callable[..., None]
_submitted: list[Hook] = []


def register_submitted(hook: Hook) -> Hook:
    """Register `hook` for submissions (once; registering it again is a no-op)."""
    if hook not in _submitted:
        _submitted.append(hook)
    return hook


def unregister_submitted(hook: Hook) -> None:
    if hook in _submitted:
        _submitted.remove(hook)


def submitted(*, application) -> None:
    for hook in list(_submitted):
        hook(application=application)
