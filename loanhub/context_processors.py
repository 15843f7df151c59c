"""Template context for every page."""

from __future__ import annotations

from loanhub import sessions

# The warning shows this long before the idle timeout signs the session out.
IDLE_WARNING_SECONDS = 120


def idle_warning(request) -> dict:
    """For a signed-in session: its idle timeout and when to warn, read by static/js/idle.js."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    timeout = int(sessions.idle_timeout(user).total_seconds())
    warning = min(IDLE_WARNING_SECONDS, timeout // 2)
    return {
        "idle_timeout_seconds": timeout,
        # The first count starts from the server's last recorded activity, so the warning and
        # the sign-out come when the server's timeout does.
        "idle_seconds_left": sessions.seconds_left(request.session, user),
        "idle_warning_seconds": warning,
        "idle_warning_minutes": max(1, warning // 60),
    }
