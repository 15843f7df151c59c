"""The demo app's place in the import graph: nothing imports it, and the kernel imports no business app.

Read from the source (imports anywhere in a module, also inside functions); the root URLs and the
settings may still name apps in strings, which is configuration, not an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUSINESS_APPS = {
    "products",
    "calculator",
    "customers",
    "risk",
    "servicing",
    "applications",
    "monitoring",
    "marketing",
    "notifications",
    "demo",
}


def _imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _sources(*top_levels: str) -> list[Path]:
    return sorted(path for top in top_levels for path in (ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", _sources("loanhub"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_kernel_imports_no_business_app(path):
    assert _imported_top_levels(path) & BUSINESS_APPS == set()


def test_no_app_imports_demo():
    apps = sorted(p.name for p in ROOT.iterdir() if (p / "apps.py").exists() and p.name != "demo")
    importers = [
        str(path.relative_to(ROOT)) for path in _sources(*apps) if "demo" in _imported_top_levels(path)
    ]
    assert apps
    assert importers == []
