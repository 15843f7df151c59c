"""Per-account log-in lockout with backoff (django-axes), whatever address the attempts come from.

Per-address throttles (loanhub.throttling) slow a single client down; an attacker with many
addresses is stopped here instead: after LOANHUB_LOGIN_FAILURE_LIMIT wrong passwords for one
username (portal, admin or API token), that account refuses every log-in, even with the right
password, for a cool-off that doubles with each further lockout (LOANHUB_LOGIN_LOCKOUT_MINUTES,
then 2×, 4×, … up to a day). Each lockout writes an `AccountEvent` and tells the account's owner
by e-mail; an officer holding `loanhub.unlock_account` may lift it early (`account_unlock`),
which is recorded too.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Max, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from loanhub import clock
from loanhub.errors import DomainError, Forbidden
from loanhub.permissions import may

logger = logging.getLogger(__name__)


class AccountLocked(DomainError):
    """The account (or the address) is locked after too many wrong passwords (429)."""

    status_code = 429
    code = "locked_out"
    default_detail = _lazy(
        "Too many wrong passwords: log-in is blocked for a while. Try again later or ask a loan officer."
    )


def raise_if_locked_out(request) -> None:
    """In an API view that authenticated through axes: answer a lockout as a lockout (429)."""
    if getattr(request, "axes_locked_out", False):
        raise AccountLocked()


UNLOCK_PERMISSION = "loanhub.unlock_account"
MAX_COOL_OFF = dt.timedelta(days=1)


def _username(request) -> str | None:
    from axes.helpers import get_client_username

    if request is None:
        return None
    return get_client_username(request, getattr(request, "axes_credentials", None))


def _failures(request) -> int:
    """Failures counted for the username of this request (this attempt included when known)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None:
        return failures
    from axes.models import AccessAttempt

    username = _username(request)
    if not username:
        return 0
    # One row per (username, address, browser): the account's failures are their sum.
    stored = AccessAttempt.objects.filter(username=username).aggregate(total=Sum("failures_since_start"))
    return stored["total"] or 0


def cool_off_after(failures: int) -> dt.timedelta:
    """The base cool-off, doubled for every lockout after the first, at most a day."""
    base = dt.timedelta(minutes=settings.LOANHUB_LOGIN_LOCKOUT_MINUTES)
    lockouts = max(failures // settings.AXES_FAILURE_LIMIT, 1)
    return min(base * (2 ** min(lockouts - 1, 20)), MAX_COOL_OFF)


def cool_off(request=None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: the cool-off for the failures counted on this request's username."""
    return cool_off_after(_failures(request) if request is not None else 0)


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """axes' user_locked_out: record it on the account and tell its owner (never log the address)."""
    from loanhub.models import AccountEvent

    user = get_user_model().objects.filter(username=username).first()
    if user is None:  # attempts on a name nobody has: nothing to tell anyone
        logger.warning("log-in lockout for an unknown username")
        return
    length = cool_off(request)
    minutes = int(length.total_seconds() // 60)
    detail = {"minutes": minutes, "failures": _failures(request)}
    # axes signals every refused attempt of a lockout; the owner hears of each lockout once, and
    # the event follows it as it grows.
    latest = AccountEvent.objects.filter(user=user).first()
    if (
        latest is not None
        and latest.kind == AccountEvent.Kind.LOCKED_OUT
        and latest.created_at >= clock.now() - length
    ):
        latest.detail = detail
        latest.save(update_fields=["detail"])
        return
    AccountEvent.objects.create(user=user, kind=AccountEvent.Kind.LOCKED_OUT, detail=detail)
    logger.warning("log-in lockout user=%s minutes=%s", user.pk, minutes)
    if user.email:
        send_mail(
            _("LoanHub: your account was locked"),
            _(
                "Someone entered a wrong password for your LoanHub account %(count)s times. To protect "
                "you, log-in is blocked for %(minutes)s minutes. If it was not you, change your password "
                "afterwards or call us; a loan officer can also unlock your account."
            )
            % {"count": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
            None,
            [user.email],
            fail_silently=True,
        )


def account_locked_until(user) -> dt.datetime | None:
    """When the account's lockout ends, or None when it is not locked now."""
    from axes.models import AccessAttempt

    stored = AccessAttempt.objects.filter(username=user.get_username()).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures = stored["failures"] or 0
    if failures < settings.AXES_FAILURE_LIMIT:
        return None
    until = stored["last"] + cool_off_after(failures)
    return until if until > clock.now() else None


def account_unlock(*, user, actor, reason: str = ""):
    """Lift a lockout now (an officer, with `loanhub.unlock_account`); recorded on the account."""
    from axes.utils import reset

    from loanhub.models import AccountEvent

    if not may(actor, UNLOCK_PERMISSION):
        raise Forbidden(_("You may not unlock accounts."))
    removed = reset(username=user.get_username())
    return AccountEvent.objects.create(
        user=user,
        kind=AccountEvent.Kind.UNLOCKED,
        actor=actor,
        detail={"attempts_cleared": removed, "reason": (reason or "")[:500]},
    )
