"""An empty scratch database beside the test database, for tests that migrate a few apps back and
forth (a data migration's test).

Migrating the test database itself back to an early migration unapplies every later migration of
every app that depends on it and applies them all again (two minutes here), then flushes every
table. A scratch database starts empty, so only the migrations the test names and their
dependencies run, and dropping it cleans up. PostgreSQL: a database named after this process's
test database; SQLite: a file in pytest's temporary directory.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.db.utils import DEFAULT_DB_ALIAS

from tests.loanhub.template_db import _drop, _maintenance, _quote

ALIAS = "scratch"


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """Yield the alias of an empty database (models reach it with `.using(alias)`)."""
    default = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(default.settings_dict)
    postgres = default.vendor == "postgresql"
    if postgres:
        from psycopg import sql

        name = f"{default.settings_dict['NAME']}_scratch"
        with _maintenance(settings_dict) as conn:
            _drop(conn, name, force=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(_quote(name)))
    else:
        name = str(tmp_path / "scratch.sqlite3")
    settings_dict["NAME"] = name
    connection = default.__class__(settings_dict, alias=ALIAS)
    connections[ALIAS] = connection
    try:
        yield ALIAS
    finally:
        connection.close()
        del connections[ALIAS]
        if postgres:
            with _maintenance(settings_dict) as conn:
                _drop(conn, name, force=True)
