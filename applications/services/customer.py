"""The customer's answers: withdraw, accept the offer as shown, decline it."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from applications.models import (
    LoanApplication,
    State,
)
from applications.services.base import (
    REQUIRED_ACCEPTANCE_CONSENTS,
    ApplicationStateError,
    ApplicationValidationError,
    _clean_reason,
    _json_safe,
    _lock,
    _move,
    _require_owner,
    _require_state,
)
from loanhub import clock
from loanhub.errors import Conflict, Invalid
from loanhub.reasons import coded

logger = logging.getLogger(__name__)


def application_withdraw(*, application: LoanApplication, actor, reason: str = "") -> LoanApplication:
    """The customer withdraws (submitted, scored, referred, approved, or after accepting the offer
    until it is paid out). Withdrawing an accepted offer releases it: the registered hooks (reward
    points redeemed on it given back) run in the same transaction."""
    from applications import hooks

    _require_owner(actor, application, "withdraw")
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "withdraw", "withdraw")
        accepted = locked.state == State.OFFER_ACCEPTED
        _move(locked, "withdraw", actor=actor, reason=reason or "withdrawn by the customer")
        if accepted:
            hooks.acceptance_released(application=locked)
    return locked


def offer_check_acceptor(actor, application: LoanApplication) -> None:
    """Only the customer who applied may accept the offer (ApplicationPermissionError otherwise):
    checked before the request body, so anyone else is refused whatever they send."""
    _require_owner(actor, application, "accept_offer")


def application_accept_offer(
    *,
    application: LoanApplication,
    actor,
    consents: dict,
    offer_digest: str | None = None,
    redeem_points: int = 0,
) -> LoanApplication:
    """approved → offer_accepted by the customer, who ticked every required consent. The offer is
    stored again as the disclosure accepted, exactly as shown, with the consents and the time. An
    offer past its expiry is expired instead (409). `offer_digest` (optional) must be the digest
    of the offer the customer saw; a changed offer is refused (409).

    `redeem_points` (optional) spends reward points for a rate discount: the registered redeemer
    (marketing.rewards, through applications.hooks) spends them and names the discount, and the
    offer is priced again by the one quote with it, on the same schedule start, so the accepted
    offer (its rate, APR and schedule) is what servicing pins. All in the acceptance's
    transaction: a refused redemption changes nothing (400 on `redeem_points`)."""
    offer_check_acceptor(actor, application)
    if isinstance(redeem_points, bool) or not isinstance(redeem_points, int) or redeem_points < 0:
        raise ApplicationValidationError(
            {"redeem_points": [_("must be a whole number of points, 0 or more")]}
        )
    consents = consents if isinstance(consents, dict) else {}
    missing = [name for name in REQUIRED_ACCEPTANCE_CONSENTS if consents.get(name) is not True]
    if missing:
        raise ApplicationValidationError(
            {
                "consents": [
                    _("tick every required consent: %(missing)s must be true")
                    % {"missing": ", ".join(missing)}
                ]
            }
        )
    expired = None
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "accept_offer", "accept_offer")
        now = clock.now()
        if locked.offer_expires_at is not None and locked.offer_expires_at <= now:
            _move(
                locked,
                "expire_offer",
                actor=None,
                reason=coded("app.offer_expired", at=locked.offer_expires_at),
            )
            expired = locked
        else:
            if offer_digest and offer_digest != locked.offer.get("digest"):
                raise ApplicationStateError(
                    _("the offer changed since it was shown; reload it and accept again"), state=locked.state
                )
            offer_fields = _redeem_points(locked, redeem_points) if redeem_points else ()
            locked.disclosure = _json_safe(
                {
                    "offer": locked.offer,
                    "consents": {k: bool(v) for k, v in consents.items()},
                    "accepted_at": now,
                    "accepted_by": actor.pk,
                    "language": get_language() or settings.LANGUAGE_CODE,
                }
            )
            locked.offer_accepted_at = now
            _move(
                locked,
                "accept_offer",
                actor=actor,
                reason="offer accepted",
                payload={
                    "offer_digest": locked.offer.get("digest"),
                    **({"points_redeemed": redeem_points} if redeem_points else {}),
                },
                fields=("disclosure", "offer_accepted_at", *offer_fields),
            )
    if expired is not None:
        when = timezone.localtime(expired.offer_expires_at)
        raise ApplicationStateError(
            _("cannot accept the offer: it expired at %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"},
            state=expired.state,
        )
    return locked


def _redeem_points(locked: LoanApplication, points: int) -> tuple[str, ...]:
    """Spend `points` through the registered redeemer and price the offer again with the discount
    they buy (the same amount, term, grade and schedule start)."""
    from applications import hooks
    from applications.services.offers import _set_offer, offer_build
    from products.quotes import ProductQuoteError

    redeemer = hooks.points_redeemer()
    if redeemer is None:
        raise ApplicationValidationError({"redeem_points": [_("reward points cannot be redeemed here")]})
    if locked.offer.get("points_redeemed"):
        raise ApplicationValidationError({"redeem_points": [_("points were already redeemed on this offer")]})
    try:
        discount_bps = redeemer(customer_id=locked.customer_id, application_id=locked.pk, points=points)
    except Invalid as exc:
        raise ApplicationValidationError(exc.errors or {"redeem_points": [exc.detail]}) from None
    except Conflict as exc:
        raise ApplicationStateError(exc.detail, state=locked.state) from None
    offer = locked.offer
    try:
        repriced = offer_build(
            locked,
            amount=Decimal(offer["amount"]),
            term=int(offer["term"]),
            grade=offer["risk_grade"],
            on_date=dt.date.fromisoformat(offer["schedule_start"]),
            points_redeemed=points,
            points_discount_bps=discount_bps,
        )
    except ProductQuoteError as exc:
        raise ApplicationValidationError(
            {"redeem_points": [str(m) for v in exc.errors.values() for m in v]}
        ) from None
    return _set_offer(locked, repriced, expires_at=locked.offer_expires_at)


def application_decline_offer(*, application: LoanApplication, actor, reason: str = "") -> LoanApplication:
    """approved → offer_declined by the customer."""
    _require_owner(actor, application, "decline_offer")
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "decline_offer", "decline_offer")
        _move(locked, "decline_offer", actor=actor, reason=reason or "offer declined by the customer")
    return locked
