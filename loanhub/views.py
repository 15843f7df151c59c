"""Platform views: the portal home page, the health endpoints and the error pages.

`not_found` and `server_error` are the root URLconf's handler404 and handler500 (used when DEBUG
is off): under /api/ they answer with the API's one error body (`loanhub.errors`), so a client
never has to parse Django's HTML page; everywhere else they are Django's own pages.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.exceptions import APIException

from loanhub import health
from loanhub.errors import NotFound, error_body

API_PREFIX = "/api/"


@require_GET
def home(request):
    return render(request, "home.html")


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
    """handler404: a path no URL matches (or an Http404 outside the REST framework's views)."""
    if _is_api(request):
        error = NotFound()
        return JsonResponse(error.body(), status=error.status_code)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: an unexpected error (a bug); nothing of it is shown to the caller."""
    if _is_api(request):
        # The REST framework's own sentence for an unexpected error, in the request's language.
        return JsonResponse(error_body("server_error", str(APIException.default_detail)), status=500)
    return defaults.server_error(request)
