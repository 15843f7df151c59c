"""A server process warms itself before it serves (LOANHUB_WARM_UP=1): every public page in each
language through its own WSGI handler, so the first visitors find the content cached."""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from loanhub import pagecache
from loanhub.warmup import warm_up
from products import choices as c
from products.warmup import public_paths
from tests.products.factories import version_in

pytestmark = [pytest.mark.django_db]


def test_every_public_page_is_rendered_once_in_each_language_then_served_from_the_cache(client, monkeypatch):
    version_in(c.ProductStatus.ACTIVE, product__code="CASH", name_en="Flexi Loan")

    assert public_paths() == ["/", "/products/", "/calculator/", "/products/CASH/"]
    # As Django's test client does: a request must not close the connection that holds this
    # test's transaction (on PostgreSQL, request_started closes a connection not in autocommit).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        assert warm_up(WSGIHandler(), public_paths) == 2 * 4  # each page in zh-hans and en
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)

    rendered = []
    render = pagecache._render
    monkeypatch.setattr(pagecache, "_render", lambda *a: rendered.append(a[1]) or render(*a))
    for path in ("/", "/products/", "/calculator/", "/products/CASH/"):
        for language in ("zh-hans", "en"):
            assert client.get(path, HTTP_ACCEPT_LANGUAGE=language).status_code == 200
    assert rendered == []
    assert "Flexi Loan" in client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_warm_up_that_cannot_read_the_catalogue_starts_the_server_anyway():
    def broken():
        raise RuntimeError("database not there yet")

    assert warm_up(WSGIHandler(), broken) == 0
