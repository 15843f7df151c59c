"""Public page content kept in the cache (Redis in real mode), rendered around each request.

What is kept is the content of a public page — its title and main block, the same for every
visitor in a language on a day (or, for a product's page, for every customer in the same
segments) — never the page itself: the header around it (who is signed in, the CSRF token of
the forms, messages) is rendered for each request, and the response keeps whatever
Cache-Control the kernel gives it (private, no-store when signed in). Views decide what is
public: the catalogue, a product's page per segment set, the calculator without a query. Other
values are kept the same way (`lookup` / `keep`): the quote API's answers per product, inputs
and segments, and the offered version of a product (products.selectors).

Each value is kept with the scope's generation it was computed in, and read together with the
current generation in one round trip (a value of an older generation is not used). Publishing,
suspending, resuming or retiring a product version (products.services) and recording a benchmark
rate start a new generation of the catalogue scope, so the next request renders afresh in every
process that shares the cache; LOANHUB_PAGE_CACHE_SECONDS bounds what anything else could leave
stale. With the default in-process cache that holds for one process (runserver); servers with
several processes use the Redis cache of real mode. A missing page is rendered by one request
while the others asking for it wait for the result (a cold cache under load: one render).
"""

from __future__ import annotations

import hashlib
import re
import time
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


# A name made of these characters is its own key; any other (a product code typed into a URL can
# hold control characters or anything Unicode) is kept under its digest, so every key is one the
# cache accepts (Django warns of keys memcached would refuse; such a warning failed requests).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.:@/+=-]{1,200}")


def _safe(name: str) -> str:
    if _PLAIN_NAME.fullmatch(name):
        return name
    return "sha256:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def _data_key(scope: str, name: str) -> str:
    return f"data:{scope}:{_safe(name)}"


def lookup(scope: str, name: str, *, what: str = "data") -> tuple[str | None, object | None]:
    """(the scope's generation, the value kept as `name` in it or None), in one round trip.

    The generation is None when the cache does not answer (nothing is kept then) or lost it
    (`keep` starts a new one). Callers name the language and date in `name` when the value
    depends on them."""
    try:
        found = cache.get_many([_generation_key(scope), _data_key(scope, name)])
    except CACHE_ERRORS as exc:
        log_outage(f"{what} {scope}", exc)
        return None, None
    current = found.get(_generation_key(scope))
    kept = found.get(_data_key(scope, name))
    if current is None or kept is None or kept[0] != current:
        return current, None
    return current, kept[1]


def keep(scope: str, name: str, value, *, computed_in: str | None, what: str = "data") -> None:
    """Keep `value` as `name`, valid while the scope stays in generation `computed_in` (read by
    `lookup` before the value was computed: a change in between leaves it unused) and at most
    LOANHUB_PAGE_CACHE_SECONDS. Without a generation nothing is kept (one is started for the
    next request: the value may predate a change the new generation would hide)."""
    try:
        if computed_in is None:
            generation(scope)
            return
        cache.set(_data_key(scope, name), (computed_in, value), settings.LOANHUB_PAGE_CACHE_SECONDS)
    except CACHE_ERRORS as exc:
        log_outage(f"{what} {scope}", exc)


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
    scope (per language and day) and `context` is not called again while they are there; without
    it nothing is kept. One request renders a missing page while the others asking for it wait
    for its result (`_render_once`): a cold cache under load costs one render, not one per
    request."""
    if not cache_as:
        return _shell(request, _render(request, template, context))
    name = f"page:{cache_as}:{get_language()}:{clock.today().isoformat()}"
    computed_in, cached = lookup(scope, name, what="page")
    if cached is None:
        cached = _render_once(request, template, context, scope, name, computed_in)
    return _shell(request, cached)


# One render of a missing page at a time per key: the others wait up to RENDER_WAIT_SECONDS for it
# (sleeping, so a thread that waits gives its process's CPU to the one that renders), then render
# themselves. A renderer that dies leaves its claim for at most RENDER_CLAIM_SECONDS.
RENDER_WAIT_SECONDS = 3.0
RENDER_CLAIM_SECONDS = 10
RENDER_POLL_SECONDS = 0.02


def _render_once(request, template, context, scope: str, name: str, computed_in: str | None) -> dict:
    claim = f"rendering:{scope}:{_safe(name)}:{computed_in}"
    try:
        mine = computed_in is None or cache.add(claim, 1, RENDER_CLAIM_SECONDS)
    except CACHE_ERRORS as exc:
        log_outage(f"page {scope}", exc)
        mine = True
    if not mine:
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(RENDER_POLL_SECONDS)
            now_in, cached = lookup(scope, name, what="page")
            if cached is not None:
                return cached
            if now_in != computed_in:  # the catalogue changed meanwhile: render the new one
                break
    parts = _render(request, template, context)
    keep(scope, name, parts, computed_in=computed_in, what="page")
    if mine and computed_in is not None:
        try:
            cache.delete(claim)
        except CACHE_ERRORS as exc:
            log_outage(f"page {scope}", exc)
    return parts


def _render(request, template: str, context: Callable[[], dict]) -> dict:
    values = context()
    return {
        "title": render_to_string(template, {**values, "part": "title"}, request=request).strip(),
        "content": render_to_string(template, {**values, "part": "content"}, request=request),
    }


def _shell(request, cached: dict):
    return render(
        request,
        SHELL,
        {"page_title": mark_safe(cached["title"]), "page_content": mark_safe(cached["content"])},
    )
