"""Public page content kept in the cache (Redis in real mode), rendered around each request.

What is kept is the content of a public page — its title and main block, the same for every
visitor in a language on a day — never the page itself: the header around it (who is signed
in, the CSRF token of the forms, messages) is rendered for each request, and the response keeps
whatever Cache-Control the kernel gives it (private, no-store when signed in). Views decide what
is public: the catalogue, a product's page for anonymous visitors, the calculator without a query.

A key names the scope's generation, the active language and today's date. Publishing,
suspending, resuming or retiring a product version (products.services) and recording a benchmark
rate start a new generation of the catalogue scope, so the next request renders afresh in every
process that shares the cache; LOANHUB_PAGE_CACHE_SECONDS bounds what anything else could leave
stale. With the default in-process cache that holds for one process (runserver); servers with
several processes use the Redis cache of real mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from loanhub import clock
from loanhub.cache import CACHE_ERRORS, log_outage

CATALOGUE = "catalogue"  # the scope of the catalogue pages and the calculator (its product list)
SHELL = "page_content.html"


def _generation_key(scope: str) -> str:
    return f"page-generation:{scope}"


def generation(scope: str) -> str:
    """The scope's current generation (a new one when the cache lost it: never an old one)."""
    current = cache.get(_generation_key(scope))
    if current is None:
        cache.add(_generation_key(scope), uuid.uuid4().hex, None)
        current = cache.get(_generation_key(scope))
    return current


def invalidate(scope: str) -> None:
    """Everything cached in the scope is rendered afresh from now on (a cache that does not
    answer is logged: what it kept expires within LOANHUB_PAGE_CACHE_SECONDS)."""
    try:
        cache.set(_generation_key(scope), uuid.uuid4().hex, None)
    except CACHE_ERRORS as exc:
        log_outage(f"invalidate {scope}", exc)


def _get(name: str):
    try:
        return cache.get(name)
    except CACHE_ERRORS as exc:
        log_outage("page", exc)
        return None


def key(scope: str, name: str) -> str:
    return f"page:{scope}:{generation(scope)}:{name}:{get_language()}:{clock.today().isoformat()}"


def render_content(
    request,
    template: str,
    context: Callable[[], dict],
    *,
    cache_as: str | None,
    scope: str = CATALOGUE,
):
    """The page of `template` (the content: blocks `title` and `content` of nothing else) in the
    site's shell. With `cache_as`, the rendered title and content are kept under that name in the
    scope and `context` is not called again while they are there; without it nothing is kept."""
    name = None
    if cache_as:
        try:
            name = key(scope, cache_as)
        except CACHE_ERRORS as exc:  # rendered afresh and not kept while the cache is away
            log_outage(f"page {scope}", exc)
    cached = _get(name) if name else None
    if cached is None:
        values = context()
        parts = {
            "title": render_to_string(template, {**values, "part": "title"}, request=request).strip(),
            "content": render_to_string(template, {**values, "part": "content"}, request=request),
        }
        if name:
            try:
                cache.set(name, parts, settings.LOANHUB_PAGE_CACHE_SECONDS)
            except CACHE_ERRORS as exc:
                log_outage(f"page {scope}", exc)
        cached = parts
    return render(
        request,
        SHELL,
        {"page_title": mark_safe(cached["title"]), "page_content": mark_safe(cached["content"])},
    )
