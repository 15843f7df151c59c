"""Signed-in sessions: the idle timeout, the per-session record a customer sees, and signing
sessions out.

The last activity is kept in the session itself (`LAST_ACTIVITY`, epoch seconds) and, at most
once per `TOUCH_SECONDS`, in a `UserSession` row, so a busy page does not write on every request;
the idle timeout is therefore exact to within that interval. Staff and customers have separate
timeouts (LOANHUB_IDLE_TIMEOUT_STAFF_MINUTES, LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from loanhub import clock
from loanhub.models import UserSession

LAST_ACTIVITY = "_loanhub_last_activity"
TOUCH_SECONDS = 60
USER_AGENT_LENGTH = UserSession._meta.get_field("user_agent").max_length


def idle_timeout(user: AbstractBaseUser) -> dt.timedelta:
    minutes = (
        settings.LOANHUB_IDLE_TIMEOUT_STAFF_MINUTES
        if user.is_staff
        else settings.LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES
    )
    return dt.timedelta(minutes=minutes)


def is_idle(session, user: AbstractBaseUser) -> bool:
    """True when the signed-in session has not been used for longer than the user's timeout."""
    last = session.get(LAST_ACTIVITY)
    if last is None:  # a session from before the timeout existed: it starts counting now
        return False
    return clock.now().timestamp() - last > idle_timeout(user).total_seconds()


def shorten_user_agent(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= USER_AGENT_LENGTH else value[: USER_AGENT_LENGTH - 1] + "…"


def activity_after_touch(session) -> float:
    """The session's last activity (epoch seconds) as `session_touch` will leave it for this
    request: now, unless it was recorded less than TOUCH_SECONDS ago."""
    now = clock.now().timestamp()
    last = session.get(LAST_ACTIVITY)
    return now if last is None or now - last >= TOUCH_SECONDS else last


def seconds_left(session, user: AbstractBaseUser) -> int:
    """How long the session has before the idle timeout signs it out, counted as the server will
    (from the last recorded activity, not from this page's load)."""
    timeout = idle_timeout(user).total_seconds()
    return max(0, int(timeout - (clock.now().timestamp() - activity_after_touch(session))))


def session_touch(*, session, user: AbstractBaseUser, user_agent: str, force: bool = False) -> None:
    """Record activity on a signed-in session (at most once per TOUCH_SECONDS; `force`: now, as
    the idle warning's "Stay signed in" asks)."""
    now = clock.now()
    last = session.get(LAST_ACTIVITY)
    if not force and last is not None and now.timestamp() - last < TOUCH_SECONDS:
        return
    session[LAST_ACTIVITY] = now.timestamp()
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "last_seen": now, "user_agent": shorten_user_agent(user_agent)},
        create_defaults={
            "user": user,
            "created_at": now,
            "last_seen": now,
            "user_agent": shorten_user_agent(user_agent),
        },
    )


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def session_list(*, user: AbstractBaseUser) -> list[UserSession]:
    """The user's live sessions, most recently used first. Rows of sessions that ended (signed
    out, expired in the store, idle past the timeout) are removed on the way."""
    horizon = clock.now() - idle_timeout(user)
    live, ended = [], []
    for record in UserSession.objects.filter(user=user):
        if record.last_seen >= horizon - dt.timedelta(seconds=TOUCH_SECONDS) and _store(
            record.session_key
        ).exists(record.session_key):
            live.append(record)
        else:
            ended.append(record.pk)
    if ended:
        UserSession.objects.filter(pk__in=ended).delete()
    return live


def session_end(*, user: AbstractBaseUser, session_id: int) -> bool:
    """Sign one of the user's sessions out. False when it is not theirs (or already ended)."""
    record = UserSession.objects.filter(user=user, pk=session_id).first()
    if record is None:
        return False
    _store(record.session_key).delete(record.session_key)
    record.delete()
    return True


def session_end_others(*, user: AbstractBaseUser, keep_session_key: str | None) -> int:
    """Sign out every session of the user but the current one, and revoke the API token (it is
    another place the user is signed in). Returns how many sessions ended."""
    from rest_framework.authtoken.models import Token

    records = list(UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""))
    for record in records:
        _store(record.session_key).delete(record.session_key)
    UserSession.objects.filter(pk__in=[r.pk for r in records]).delete()
    Token.objects.filter(user=user).delete()
    return len(records)


def current_record(*, session_key: str | None) -> UserSession | None:
    return UserSession.objects.filter(session_key=session_key).first() if session_key else None


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()
