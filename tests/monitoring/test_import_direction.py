"""Monitoring sits above servicing, risk and products: none of the apps below imports it (close
of business reaches it only through `servicing.hooks`)."""

from __future__ import annotations

from tests.demo.test_import_graph import _imported_top_levels, _sources

BELOW = ("loanhub", "products", "customers", "risk", "servicing", "applications", "calculator")


def test_no_app_below_imports_monitoring():
    importers = [str(path) for path in _sources(*BELOW) if "monitoring" in _imported_top_levels(path)]
    assert importers == []
