"""Middleware of the kernel: the idle timeout of signed-in sessions, private caching, and the
503 of a page whose database connection was lost.

The first two sit after AuthenticationMiddleware. WhiteNoise answers static files before any runs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.middleware import get_user
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from loanhub import sessions
from loanhub.authentication import ExpiringTokenAuthentication
from loanhub.errors import RETRY_AFTER_SECONDS, error_body, unavailable_response

KEEP_ALIVE_HEADER = "X-LoanHub-Keep-Alive"


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _bears_token(request) -> bool:
    """An API request with `Authorization: Token …`: the API authenticates it by the token alone
    (or refuses it), never by the session (loanhub.authentication, DEFAULT_AUTHENTICATION_CLASSES)."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(None, 1)[:1]
    return _is_api(request) and [s.lower() for s in scheme] == [ExpiringTokenAuthentication.keyword.lower()]


class SessionActivityMiddleware:
    """Signs a session out after the idle timeout (pages: to the log-in page with `next`; API: a
    401 in the one error body) and records activity of the live ones.

    An API request bearing a token does not use its session: the session (and its user) is read,
    checked and touched only if something asks for the session's user, so a browser's cookie next
    to the token costs no query; an idle session is still signed out when anything would use it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _bears_token(request):
            return self._token_request(request)
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
                session=request.session,
                user=user,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                # The idle warning's "Stay signed in": the new idle period starts now, as its
                # timer does (a touch is otherwise recorded at most once a minute).
                force=request.headers.get(KEEP_ALIVE_HEADER) == "1",
            )
        return response

    def _token_request(self, request):
        asked = []

        def session_user():
            asked.append(True)
            user = request.user = get_user(request)  # the real user: logout() reads request.user
            if user.is_authenticated and sessions.is_idle(request.session, user):
                session_key = request.session.session_key
                logout(request)  # request.user: anonymous
                sessions.session_forget(session_key=session_key)
                return request.user
            return user

        request.user = SimpleLazyObject(session_user)
        response = self.get_response(request)
        user = request.user  # the token's user (the API authenticated the request), or the session's
        if asked and user.is_authenticated and request.session.get(SESSION_KEY) == str(user.pk):
            sessions.session_touch(
                session=request.session,
                user=user,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                force=request.headers.get(KEEP_ALIVE_HEADER) == "1",
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
        # The header first: a token request's session user is then never read for this.
        if "HTTP_AUTHORIZATION" in request.META or request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class DatabaseUnavailableMiddleware:
    """A view whose database connection was lost (OperationalError, InterfaceError) answers 503
    with Retry-After, not a 500: a page rendered without the database, an API path the API's
    body (the REST framework's views answer it themselves, loanhub.errors)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if _is_api(request):
            answer = unavailable_response(exception)
            response = JsonResponse(answer.data, status=answer.status_code)
        else:
            unavailable_response(exception)  # logged the same way
            page = render_to_string("unavailable.html", {"request": request})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        patch_cache_control(response, no_store=True)
        return response
