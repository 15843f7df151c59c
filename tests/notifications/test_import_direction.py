"""Notifications sits below every business app (ARCHITECTURE.md): they call it, it imports none of
them — the customer events reach it through `customers.notices` and `notifications.events`."""

from __future__ import annotations

from tests.demo.test_import_graph import BUSINESS_APPS, _imported_top_levels, _sources


def test_notifications_imports_no_business_app():
    importers = {
        str(path): sorted(_imported_top_levels(path) & (BUSINESS_APPS - {"notifications"}))
        for path in _sources("notifications")
    }
    assert {path: names for path, names in importers.items() if names} == {}
