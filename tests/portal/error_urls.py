"""A root URLconf for the error-page tests: the site's, plus pages that refuse or fail."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from loanhub.urls import handler403, handler404, handler500  # noqa: F401
from loanhub.urls import urlpatterns as site_patterns


def _forbidden(request):
    raise PermissionDenied


def _bug(request):
    raise RuntimeError("a bug with a secret 6222 0000 1111 2222")


urlpatterns = [
    path("test-forbidden/", _forbidden),
    path("api/v1/test-forbidden/", _forbidden),
    path("test-bug/", _bug),
    *site_patterns,
]
