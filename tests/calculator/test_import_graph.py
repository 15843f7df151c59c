"""The calculator's place in the import graph: it builds on products (the engine and the
catalogue's selectors) and knows nothing of the apps that hold customers, applications or loans."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"applications", "servicing", "customers", "risk", "marketing", "monitoring", "demo"}


def _imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


SOURCES = sorted((ROOT / "calculator").rglob("*.py"))


def test_the_calculator_app_has_sources():
    assert {p.name for p in SOURCES} >= {"apis.py", "services.py", "views.py", "urls.py", "api_urls.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_calculator_imports_no_higher_app(path):
    assert _imported_top_levels(path) & FORBIDDEN == set()


def test_products_does_not_import_the_calculator():
    importers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "products").rglob("*.py"))
        if "calculator" in _imported_top_levels(path)
    ]
    assert importers == []
