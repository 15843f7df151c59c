"""Middleware of the kernel: the idle timeout of signed-in sessions and private caching.

Both sit after AuthenticationMiddleware. WhiteNoise answers static files before either runs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from loanhub import sessions
from loanhub.errors import error_body


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class SessionActivityMiddleware:
    """Signs a session out after the idle timeout (pages: to the log-in page with `next`; API: a
    401 in the one error body) and records activity of the live ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and sessions.is_idle(request.session, user):
            session_key = request.session.session_key
            logout(request)
            sessions.session_forget(session_key=session_key)
            if _is_api(request):
                if "HTTP_AUTHORIZATION" not in request.META:  # a token may still authenticate
                    detail = _("Your session ended after a period of inactivity. Sign in again.")
                    return JsonResponse(error_body("not_authenticated", detail), status=401)
            else:
                login_url = "admin:login" if request.path_info.startswith("/admin/") else settings.LOGIN_URL
                return redirect_to_login(request.get_full_path(), login_url)
        response = self.get_response(request)
        user = request.user  # the view may have signed someone in or out
        # Only sessions signed in through the session (an API token request has none to touch).
        if user.is_authenticated and request.session.get(SESSION_KEY) == str(user.pk):
            sessions.session_touch(
                session=request.session, user=user, user_agent=request.META.get("HTTP_USER_AGENT", "")
            )
        return response


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in request (session or API
    token) that does not set its own caching: nothing personal is kept by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control") or request.path_info.startswith(settings.STATIC_URL):
            return response
        if request.user.is_authenticated or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, private=True, no_store=True)
        return response
