"""Platform views: the portal home page, the health endpoints and the error pages.

`not_found`, `permission_denied` and `server_error` are the root URLconf's handler404, handler403
and handler500 (used when DEBUG is off): under /api/ they answer with the API's one error body
(`loanhub.errors`), so a client never has to parse an HTML page; everywhere else they are the
portal's own translated pages (templates/404.html, 403.html, 500.html).
"""

import logging

from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.exceptions import APIException

from loanhub import health
from loanhub.errors import Forbidden, NotFound, error_body

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _health_response(request, ok: bool, details: dict) -> JsonResponse:
    body = details if health.may_see_details(request) else health.public_body(ok)
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 when this process answers and reaches its database, 503 otherwise. Cheap
    (never the broker or a worker); which part failed only for staff and callers on this machine."""
    ok, details = health.liveness_status()
    return _health_response(request, ok, details)


@never_cache
@require_GET
def readyz(request):
    """Readiness: 200 when the database, the broker and a worker answer as configured, 503 otherwise;
    the answer is cached for a few seconds (LOANHUB_READINESS_CACHE_SECONDS)."""
    ok, details = health.readiness_status()
    return _health_response(request, ok, details)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def not_found(request, exception=None):
    """handler404: a path no URL matches (or an Http404 outside the REST framework's views): the
    site's own page, in the visitor's language, with the way back."""
    if _is_api(request):
        error = NotFound()
        return JsonResponse(error.body(), status=error.status_code)
    return _error_page(request, "404.html", 404)


def permission_denied(request, exception=None):
    """handler403: a page the visitor may not open (a CSRF failure has its own view)."""
    if _is_api(request):
        error = Forbidden()
        return JsonResponse(error.body(), status=error.status_code)
    return _error_page(request, "403.html", 403)


def server_error(request):
    """handler500: an unexpected error (a bug); nothing of it is shown to the caller."""
    if _is_api(request):
        # The REST framework's own sentence for an unexpected error, in the request's language.
        return JsonResponse(error_body("server_error", str(APIException.default_detail)), status=500)
    # Rendered without a request context: what failed may be the database, the session or the
    # user, so the page needs none of them (no header with the user's name, no messages).
    try:
        page = render_to_string("500.html")
    except Exception:  # the template itself failing must still give the visitor a 500
        logger.exception("the 500 page could not be rendered")
        return defaults.server_error(request)
    return HttpResponseServerError(page)


def _error_page(request, template: str, status: int):
    try:
        return render(request, template, status=status)
    except DatabaseError:
        # The header reads the session's user: without the database, the page without the request
        # (the header then shows no one signed in).
        return HttpResponse(render_to_string(template), status=status)
