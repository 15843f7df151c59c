"""A missing public page under load is rendered once (issue 18: a cold cache at the start of the
load test had every thread render the same catalogue page at once)."""

from __future__ import annotations

import threading
import time
import uuid

from loanhub import pagecache

PAGE = {"title": "Products", "content": "<p>cards</p>"}


def _slow_render(rendered: list):
    def render(request, template, context):
        rendered.append(template)
        time.sleep(0.3)
        return dict(PAGE)

    return render


def test_one_request_renders_a_missing_page_and_the_others_get_its_result(monkeypatch):
    rendered: list = []
    monkeypatch.setattr(pagecache, "_render", _slow_render(rendered))
    monkeypatch.setattr(pagecache, "RENDER_POLL_SECONDS", 0.01)
    generation = pagecache.generation(pagecache.CATALOGUE)
    name = f"page:test-{uuid.uuid4().hex}"
    answers = []

    def ask():
        answers.append(pagecache._render_once(None, "list.html", None, pagecache.CATALOGUE, name, generation))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert rendered == ["list.html"]
    assert answers == [PAGE] * 6
    assert pagecache.lookup(pagecache.CATALOGUE, name) == (generation, PAGE)


def test_a_waiter_renders_itself_when_the_claim_holder_never_delivers(monkeypatch):
    rendered: list = []
    monkeypatch.setattr(pagecache, "_render", _slow_render(rendered))
    monkeypatch.setattr(pagecache, "RENDER_WAIT_SECONDS", 0.1)
    generation = pagecache.generation(pagecache.CATALOGUE)
    name = f"page:test-{uuid.uuid4().hex}"
    from django.core.cache import cache

    cache.add(f"rendering:{pagecache.CATALOGUE}:{name}:{generation}", 1, 10)  # a renderer that died

    started = time.monotonic()
    answer = pagecache._render_once(None, "list.html", None, pagecache.CATALOGUE, name, generation)

    assert answer == PAGE
    assert rendered == ["list.html"]
    assert time.monotonic() - started < 2


def test_a_page_of_an_older_generation_is_not_served(monkeypatch):
    rendered: list = []
    monkeypatch.setattr(pagecache, "_render", _slow_render(rendered))
    name = f"page:test-{uuid.uuid4().hex}"
    old = pagecache.generation(pagecache.CATALOGUE)
    pagecache.keep(pagecache.CATALOGUE, name, {"title": "old", "content": "old"}, computed_in=old)

    pagecache.invalidate(pagecache.CATALOGUE)

    assert pagecache.lookup(pagecache.CATALOGUE, name)[1] is None


def test_any_name_makes_a_key_the_cache_accepts():
    """A product code typed into a URL reaches the cache's key: control characters, spaces and
    any Unicode are kept under a digest (a CacheKeyWarning answered 500 to the API fuzz)."""
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for name in ("offered:Written off.", "offered:\x8d4\U0005630eCï4\x0fY", "x" * 300):
            computed_in, kept = pagecache.lookup(pagecache.CATALOGUE, name)
            assert kept is None
            pagecache.keep(pagecache.CATALOGUE, name, {"v": name}, computed_in=computed_in)
            assert pagecache.lookup(pagecache.CATALOGUE, name)[1] == {"v": name}
    assert pagecache._data_key(pagecache.CATALOGUE, "offered:CASH") == "data:catalogue:offered:CASH"
