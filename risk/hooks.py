"""The callback registry through which risk tells the requester that a request is finished.

The applications app registers its hook in its AppConfig.ready():

    from risk.hooks import register_decision_hook
    register_decision_hook(applications.services.application_apply_decision)

A hook is called as `hook(request=ScoringRequest, decision=Decision | None)` inside the same
database transaction that writes the decision (or marks the request failed or invalid: then
`decision` is None and `request.state` / `request.last_error` say why), so the decision and the
requester's own state change commit together or not at all. A hook that raises rolls the whole
step back and the task fails (and is retried when the error is transient).
"""

from __future__ import annotations

from collections.abc import Callable

DecisionHook = Callable[..., None]
_hooks: list[DecisionHook] = []


def register_decision_hook(hook: DecisionHook) -> DecisionHook:
    """Register `hook` (once; registering the same callable again is a no-op). Usable as a decorator."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def unregister_decision_hook(hook: DecisionHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def notify(*, request, decision) -> None:
    for hook in list(_hooks):
        hook(request=request, decision=decision)
