"""Platform views: the portal home page and the health endpoint."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from loanhub.health import health_status


@require_GET
def home(request):
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request):
    """200 when every configured part answers, 503 naming the failing parts otherwise."""
    ok, body = health_status()
    return JsonResponse(body, status=200 if ok else 503)
