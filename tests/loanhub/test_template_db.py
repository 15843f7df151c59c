"""The digest that names the migrated template database (tests/loanhub/template_db.py): what it
covers decides when a template is rebuilt instead of copied stale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import time_machine
from django.conf import settings

from loanhub import clock
from tests.loanhub import template_db

ROOT = Path(settings.BASE_DIR).resolve()


def test_a_migrations_project_imports_are_covered_and_libraries_are_not(monkeypatch):
    # Built-in modules' origin is "built-in", which resolved from the project's root looked
    # like a file of the project (CI failed to build the template on it).
    monkeypatch.chdir(ROOT)
    source = (
        "import sys\n"
        "from itertools import chain\n"
        "import django.db.models\n"
        "import simple_history.models\n"
        "from loanhub.roles import ALL_ROLES\n"
        "from notifications.event_templates import TEMPLATES\n"
    )

    found = template_db._project_imports(source, ROOT)

    assert found == {ROOT / "loanhub" / "roles.py", ROOT / "notifications" / "event_templates.py"}


def test_the_digest_covers_every_apps_migrations_and_the_data_they_read():
    directories = {
        path.relative_to(ROOT).as_posix()
        for path in template_db._migration_dirs()
        if path.is_relative_to(ROOT) and ".venv" not in path.relative_to(ROOT).parts
    }

    assert {
        "products/migrations",
        "servicing/migrations",
        "risk/migrations",
        "loanhub/migrations",
    } <= directories
    # Django's own (contrib apps), wherever the virtualenv is: inside the checkout or linked to
    assert any("django" in path.parts and "contrib" in path.parts for path in template_db._migration_dirs())


def test_the_digest_changes_with_the_day():
    today = template_db.template_digest()
    with time_machine.travel(clock.now() + dt.timedelta(days=1), tick=False):
        tomorrow = template_db.template_digest()

    assert today != tomorrow
    assert today == template_db.template_digest()
