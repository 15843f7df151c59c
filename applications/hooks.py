"""Callback registries through which applications tells higher apps what happened (no signals).

Applications sits below marketing and must not import it; marketing registers its hooks in its
AppConfig.ready(). Hooks run inside the transaction of the change, so what they write commits or
rolls back with it, and a hook that raises refuses the change.

Higher apps register in their AppConfig.ready(), e.g.

    from applications.hooks import register_submitted
    register_submitted(marketing.services.attribution_record)
"""

from __future__ import annotations

from collections.abc import Callable

# --- Submitted ---------------------------------------------------------------------------------
# `hook(application=application)` inside the transaction that submits it.
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


# --- The partner an application came through ------------------------------------------------------
# `resolver(application=application) -> str` at submission (submitted_at set): the code of the
# partner channel the applicant arrived through ("" for none), snapshotted on the application.
# One resolver at most.
PartnerResolver = Callable[..., str]
_partner_resolver: list[PartnerResolver] = []


def register_partner_resolver(resolver: PartnerResolver) -> PartnerResolver:
    _partner_resolver[:] = [resolver]
    return resolver


def partner_for(*, application) -> str:
    return _partner_resolver[0](application=application) if _partner_resolver else ""


# --- Disbursed ----------------------------------------------------------------------------------
# `hook(application=application)` once the application is disbursed (its loan open).
DisbursedHook = Callable[..., None]
_disbursed_hooks: list[DisbursedHook] = []


def register_disbursed_hook(hook: DisbursedHook) -> DisbursedHook:
    """Register `hook` (once; registering the same callable again is a no-op)."""
    if hook not in _disbursed_hooks:
        _disbursed_hooks.append(hook)
    return hook


def application_disbursed(*, application) -> None:
    for hook in list(_disbursed_hooks):
        hook(application=application)


# --- Points redeemed at offer acceptance ----------------------------------------------------------
# `redeemer(customer_id=, application_id=, points=)` spends the customer's reward points and
# returns the rate discount they buy, in basis points; it raises loanhub.errors.Invalid (keyed
# `redeem_points`) when the points cannot be spent. One redeemer at most.
PointsRedeemer = Callable[..., int]
_points_redeemer: list[PointsRedeemer] = []


def register_points_redeemer(redeemer: PointsRedeemer) -> PointsRedeemer:
    _points_redeemer[:] = [redeemer]
    return redeemer


def points_redeemer() -> PointsRedeemer | None:
    return _points_redeemer[0] if _points_redeemer else None


# --- Points preview on the offer page ------------------------------------------------------------
# `previewer(customer_id=, points=None)` says what redeeming would do without spending: a dict with
# `available`, `points`, `discount_bps`, `points_per_bp`, `max_discount_bps` and `error` ("" when
# the points may be spent). One previewer at most.
PointsPreviewer = Callable[..., dict]
_points_previewer: list[PointsPreviewer] = []


def register_points_previewer(previewer: PointsPreviewer) -> PointsPreviewer:
    _points_previewer[:] = [previewer]
    return previewer


def points_previewer() -> PointsPreviewer | None:
    return _points_previewer[0] if _points_previewer else None


# --- An accepted offer released (never to be disbursed) --------------------------------------------
# `hook(application=application)` inside the transaction that moves an accepted offer anywhere but
# to disbursement (today: the customer withdraws before the payout), e.g. to give back the reward
# points redeemed on it.
_released_hooks: list[Hook] = []


def register_acceptance_released(hook: Hook) -> Hook:
    """Register `hook` (once; registering the same callable again is a no-op)."""
    if hook not in _released_hooks:
        _released_hooks.append(hook)
    return hook


def acceptance_released(*, application) -> None:
    for hook in list(_released_hooks):
        hook(application=application)
