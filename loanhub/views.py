"""Platform views: the portal home page, the health endpoint and the error pages.

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

from loanhub.errors import NotFound, error_body
from loanhub.health import health_status

API_PREFIX = "/api/"


@require_GET
def home(request):
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request):
    """200 when every configured part answers, 503 naming the failing parts otherwise."""
    ok, body = health_status()
    return JsonResponse(body, status=200 if ok else 503)


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
