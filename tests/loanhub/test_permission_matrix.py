"""Who may call what: every route of the URL configuration against a role × endpoint matrix.

The routes come from the resolver itself (`get_resolver()`, walked recursively), so an endpoint
added without a row in `tests/loanhub/permission_matrix.py` fails `test_every_route_has_a_rule`
with its route named. Each row is then proven by calling the endpoint as every role — anonymous,
the customer who owns the objects in the URL, another customer, and one user per staff role —
with GET and with an empty POST (and PUT/PATCH where the view has them). A refused write must
also leave the database exactly as it was.

The Django admin's own generated pages (index, changelists, add/change/delete/history, login,
password change) are covered by one rule, proven in `test_generated_admin_pages_*`: staff only,
and a staff role sees a model's pages only with a view or change permission on it. LoanHub's
custom admin views are ordinary rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.throttling import SimpleRateThrottle

from loanhub import roles
from tests.loanhub import permission_matrix as pm
from tests.loanhub.permission_world import ROLES, STAFF, build


@dataclass(frozen=True)
class Route:
    pattern: str  # the full route, as a developer writes it in urls.py
    name: str | None  # namespaced URL name
    callback: object


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(prefix + str(entry.pattern), name, entry.callback)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


# The admin site's and ModelAdmin's own URL names (and the unnamed redirects and catch-all).
_GENERATED_SITE = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin:auth_user_password_change",
}
_GENERATED_MODEL = re.compile(r"^admin:[a-z0-9_]+_(changelist|add|change|delete|history|simple_history)$")


def is_generated_admin(route: Route) -> bool:
    if not route.pattern.startswith("admin/"):
        return False
    return route.name is None or route.name in _GENERATED_SITE or bool(_GENERATED_MODEL.match(route.name))


def routes_with_rows() -> list[Route]:
    return [route for route in all_routes() if not is_generated_admin(route)]


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def url_for(route: Route, rule: pm.Rule, objects: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        given = rule.kwargs[name]
        return str(objects[given[1:-1]]) if given.startswith("{") else given

    return "/" + _PARAMETER.sub(value, route.pattern)


# --- the rows exist ----------------------------------------------------------------------------
def test_every_route_has_a_rule():
    missing = [route.pattern for route in routes_with_rows() if route.pattern not in pm.MATRIX]
    assert not missing, (
        "Routes without a row in tests/loanhub/permission_matrix.py MATRIX (say who may call them):\n  "
        + "\n  ".join(missing)
    )


def test_every_rule_names_a_route():
    routes = {route.pattern for route in routes_with_rows()}
    stale = sorted(set(pm.MATRIX) - routes)
    assert not stale, f"Rows for routes that no longer exist (remove them): {stale}"


# --- the rows hold -----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    # Rate limits are tested on their own (tests/loanhub/test_throttling.py); here they would
    # turn the later roles' answers into 429s.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    cache.clear()


@pytest.fixture(autouse=True)
def _ready(monkeypatch):
    # What /readyz finds (a worker may not run beside this test) is tested in test_health.py;
    # here only who may call it and what they see.
    from loanhub import health

    monkeypatch.setattr(health, "readiness_status", lambda: (True, {"database": {"ok": True}}))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's users and objects, built once and rolled back after the module."""
    private = override_settings(LOANHUB_PRIVATE_ROOT=tmp_path_factory.mktemp("private"))
    private.enable()
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        # Signed in once: each test sends the role's session cookie (its own changes roll back).
        built["sessions"] = {}
        for role, user in built["users"].items():
            if user is not None:
                client = Client()
                client.force_login(user)
                built["sessions"][role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)
    private.disable()


def _client(world, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if role in world["sessions"]:
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][role]
    return client


def observed(response) -> str:
    """The matrix token for a response: its status, or where a redirect leads."""
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/customers/login/"):
            return "login"
        if location.startswith("/admin/login/"):
            return "admin"
        return "302"
    return str(response.status_code)


# Tables any request may write: sessions (the idle timeout) and the log-in lockout's records.
_VOLATILE = ("django_session", "axes_")


def _write_count() -> int | None:
    """Rows written on this connection so far (SQLite) or in this transaction (PostgreSQL, whose
    counters also keep what a rolled-back savepoint wrote), so that the digest is taken only after
    a request that wrote something; None where the database does not count them."""
    if connection.vendor == "sqlite":
        return connection.connection.total_changes
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            )
            return cursor.fetchone()[0]
    return None


def database_state() -> str:
    """A digest of every row of every table but the volatile ones."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table.startswith(_VOLATILE):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            digest.update(table.encode() + repr(sorted(map(repr, cursor.fetchall()))).encode())
    return digest.hexdigest()


def unsafe_methods(route: Route) -> tuple[str, ...]:
    """POST always (a function view may take it), and whatever else a class-based view has."""
    view = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    others = ("PUT", "PATCH", "DELETE")
    return ("POST", *(method for method in others if view is not None and hasattr(view, method.lower())))


def _send(client: Client, method: str, url: str):
    if method == "POST":
        return client.post(url, {})
    return client.generic(method, url, "", content_type="application/json")


def _routes_in_matrix() -> list[Route]:
    return [route for route in routes_with_rows() if route.pattern in pm.MATRIX]


@pytest.mark.django_db
@pytest.mark.parametrize("route", _routes_in_matrix(), ids=lambda route: route.pattern or "/")
def test_the_route_answers_each_role_as_its_row_says(world, route):
    rule = pm.MATRIX[route.pattern]
    missing_methods = [method for method in unsafe_methods(route) if method not in rule.writes]
    assert not missing_methods, f"{route.pattern}: the row lacks {missing_methods} (the view has them)"
    url = url_for(route, rule, world["objects"])
    assert resolve(url).func is route.callback, f"{url} does not reach {route.pattern}"

    wrong = []
    clients = [_client(world, role) for role in ROLES]
    for role, client, expected in zip(ROLES, clients, rule.get, strict=True):
        got = observed(client.get(url))
        if got != expected:
            wrong.append(f"GET as {role}: expected {expected}, got {got}")
    before = database_state()  # after the GETs: a staff read may be audited
    for method, tokens in rule.writes.items():
        for role, client, expected in zip(ROLES, clients, tokens, strict=True):
            writes = _write_count()
            with transaction.atomic():  # a granted write is undone before the next role
                got = observed(_send(client, method, url))
                changed = (writes is None or _write_count() != writes) and database_state() != before
                transaction.set_rollback(True)
            if got != expected.removesuffix("+"):
                wrong.append(f"{method} as {role}: expected {expected}, got {got}")
            elif changed and not expected.endswith("+"):
                wrong.append(f"{method} as {role}: answered {got} but changed the database")
    assert not wrong, f"{route.pattern} ({url}):\n  " + "\n  ".join(wrong)


# --- the Django admin's generated pages: one rule ------------------------------------------------
def _may_see(role: str, model) -> bool:
    """Whether loanhub.roles gives `role` a view or change permission on `model`."""
    if role not in STAFF:
        return False
    opts = model._meta
    return any(
        roles.role_grants(STAFF[role], f"{opts.app_label}.{action}_{opts.model_name}")
        for action in ("view", "change")
    )


def test_every_generated_admin_route_belongs_to_the_admin_site():
    generated = [route for route in all_routes() if is_generated_admin(route)]
    assert generated, "the admin site's routes were not found"
    assert all(route.pattern.startswith("admin/") for route in generated)


@pytest.mark.django_db
def test_generated_admin_pages_are_for_staff_with_a_permission_on_the_model(world):
    """The admin index for staff only; each model's list only to roles that may view or change it."""
    wrong = []
    clients = {role: _client(world, role) for role in ROLES}
    for role, client in clients.items():
        expected = "200" if role in STAFF else "admin"
        got = observed(client.get("/admin/"))
        if got != expected:
            wrong.append(f"/admin/ as {role}: expected {expected}, got {got}")
    for model in admin.site._registry:
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        for role, client in clients.items():
            if role not in STAFF:
                expected = "admin"
            else:
                expected = "200" if _may_see(role, model) else "403"
            got = observed(client.get(url))
            if got != expected:
                wrong.append(f"{url} as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
