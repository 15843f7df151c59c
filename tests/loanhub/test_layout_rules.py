"""Rules of the layout that keep the architecture readable (issue 12): no hand-written module
grows past about 600 lines, and the OpenAPI schema describes every answer of every operation."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "loanhub",
    "products",
    "calculator",
    "customers",
    "risk",
    "servicing",
    "applications",
    "marketing",
    "notifications",
    "monitoring",
    "demo",
)
MAX_LINES = 600


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_hand_written_module_is_longer_than_600_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.django_db
def test_the_schema_describes_every_answer_of_every_operation(client):
    schema = client.get("/api/schema/?format=json").json()
    undescribed = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status == "204":
                    continue
                content = response.get("content") or {}
                if not any(media.get("schema") for media in content.values()):
                    undescribed.append(f"{method.upper()} {path} {status}")
    assert undescribed == []
