"""The API documentation pages under the Content-Security-Policy (django-csp).

Swagger UI is served by drf-spectacular's split view: the page loads its init script from
`?script` instead of an inline <script>, and our template drops the inline <style>, so it runs
under the site-wide policy unchanged. ReDoc's bundle (styled-components) injects <style>
elements at run time, which no template can avoid: its view alone adds 'unsafe-inline' to
style-src, and lets its search index run in a blob: worker. Scripts stay 'self' on both pages;
ReDoc's "powered by" logo from its CDN is blocked (img-src), which costs nothing.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


class RedocDocsView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"


def swagger_view(*, url_name: str):
    return SwaggerDocsView.as_view(url_name=url_name)


def redoc_view(*, url_name: str):
    return csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
        RedocDocsView.as_view(url_name=url_name)
    )
