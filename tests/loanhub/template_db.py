"""PostgreSQL test databases cloned from one migrated template instead of migrated one by one.

Migrating an empty database takes over a minute of CPU (servicing's migrations re-render the
model state many times), and CI needs five test databases (two pytest-xdist processes, the serial
pass, the moved-date pass's two). So the first process to need one builds
`test_<NAME>_tpl_<digest>` once, by the same `migrate` Django runs (data migrations included),
and every test database is then `CREATE DATABASE … TEMPLATE` of it: about a second each.

- The digest covers every installed app's migration files, the project modules and data files
  those migrations read (the seeded LPR fixings, message templates, rubric, roles …) and Django's
  version: a changed or added migration builds a new template; older templates of the same
  database NAME are dropped then. An unchanged template is reused by later runs.
- A PostgreSQL advisory lock (taken on the `postgres` maintenance database) makes the build and
  the clones safe between xdist processes and between passes running side by side; the template
  is built under a temporary name and renamed only when complete, so a killed build leaves
  nothing that looks usable.
- Django still runs `migrate` on the clone (nothing to apply, so only the post_migrate handlers:
  permissions, roles, presets, the chart of accounts), the serialisation and the cache table,
  exactly as for a database it created: pytest-django's own `django_db_setup` does that, told by
  `django_db_keepdb` that the database exists.
- SQLite (the default without DATABASE_URL), `--nomigrations` and `--create-db` (migrate from
  scratch, as before) do not use a template. `--reuse-db` clones only when the kept database is
  missing, and keeps it afterwards.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Bump to rebuild every template (e.g. when what the digest covers changes).
TEMPLATE_FORMAT = 1
ALIAS = "default"


def _project_root() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR).resolve()


def _migration_dirs() -> list[Path]:
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    dirs = []
    for config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        spec = importlib.util.find_spec(module_name) if _parent_importable(module_name) else None
        if spec is None or not spec.submodule_search_locations:
            continue
        dirs.extend(Path(location) for location in spec.submodule_search_locations)
    return sorted(set(dirs))


def _parent_importable(module_name: str) -> bool:
    parent = module_name.rpartition(".")[0]
    return not parent or importlib.util.find_spec(parent) is not None


def _project_imports(source: str, root: Path) -> set[Path]:
    """Files of the project's own modules that a migration imports (not Django's or a library's)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            # Built-in and frozen modules have an origin that is no path ("built-in", "frozen").
            if spec is None or not spec.origin or not spec.has_location:
                continue
            origin = Path(spec.origin).resolve()
            if origin.is_relative_to(root) and ".venv" not in origin.relative_to(root).parts:
                found.add(origin)
    return found


def template_digest() -> str:
    """What the migrated template holds depends on: the migrations, what they import from the
    project, the data files they read, Django, and the day (rows the migrations seed carry
    auto_now_add stamps: a business rubric is created on the day the database is migrated, the
    moved day under LOANHUB_TEST_TODAY)."""
    import django

    from loanhub import clock

    root = _project_root()
    files: set[Path] = set()
    for directory in _migration_dirs():
        for path in directory.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                files.add(path.resolve())
                if path.suffix == ".py" and path.resolve().is_relative_to(root):
                    files |= _project_imports(path.read_text(encoding="utf-8"), root)
    # Data files read by data migrations (products/data/lpr_history.csv …).
    for data_dir in root.glob("*/data"):
        if (data_dir.parent / "apps.py").exists():
            files |= {path.resolve() for path in data_dir.rglob("*") if path.is_file()}
    digest = hashlib.sha256(f"{TEMPLATE_FORMAT}:{django.get_version()}:{clock.today()}".encode())
    for path in sorted(files):
        shown = path.relative_to(root) if path.is_relative_to(root) else path.name
        digest.update(f"\0{shown}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _test_name(settings_dict: dict) -> str:
    # As django.db.backends.base.creation._get_test_db_name (pytest-django has added its
    # xdist suffix to TEST NAME by now).
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    return settings_dict["TEST"]["NAME"] or TEST_DATABASE_PREFIX + settings_dict["NAME"]


@contextmanager
def _maintenance(settings_dict: dict) -> Iterator:
    """An autocommit connection to the `postgres` database holding the template lock."""
    import psycopg

    params = {
        "dbname": "postgres",
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }
    options = {
        k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if k in ("sslmode", "connect_timeout")
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, **options) as conn:
        conn.autocommit = True
        yield conn


def _quote(name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name)


def _exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _drop(conn, name: str, *, force: bool = False) -> None:
    from psycopg import sql

    query = "DROP DATABASE IF EXISTS {} WITH (FORCE)" if force else "DROP DATABASE IF EXISTS {}"
    conn.execute(sql.SQL(query).format(_quote(name)))


@contextmanager
def _locked(conn, key: str) -> Iterator[None]:
    lock = zlib.crc32(f"loanhub-test-template:{key}".encode())
    conn.execute("SELECT pg_advisory_lock(%s)", [lock])
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [lock])


def _build(conn, connection, template: str, verbosity: int) -> None:
    """Migrate a new database with Django's own test-database creation, then rename it to
    `template`: it only has that name once complete."""
    from psycopg import sql

    building = f"{template}_building"
    settings_dict = connection.settings_dict
    saved_name, saved_test_name = settings_dict["NAME"], settings_dict["TEST"]["NAME"]
    settings_dict["TEST"]["NAME"] = building
    try:
        connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
    finally:
        connection.close()
        settings_dict["NAME"], settings_dict["TEST"]["NAME"] = saved_name, saved_test_name
        from django.conf import settings

        settings.DATABASES[connection.alias]["NAME"] = saved_name
    conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(_quote(building), _quote(template)))


def _drop_stale(conn, prefix: str, keep: str) -> None:
    """Templates of this database NAME built from other migrations; one in use stays."""
    import psycopg

    like = prefix.replace("_", r"\_") + "%"
    for (name,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like]).fetchall():
        if name != keep:
            try:
                _drop(conn, name)
            except psycopg.Error:
                pass


def _ensure_template(conn, connection, verbosity: int) -> str:
    """The name of the migrated template of `connection`, built first when missing (the caller
    holds the lock)."""
    prefix = f"test_{connection.settings_dict['NAME']}_tpl_"
    template = prefix + template_digest()
    if len(template) > 63:  # PostgreSQL's identifier limit
        raise pytest.UsageError(f"template database name too long: {template}")
    if not _exists(conn, template):
        if verbosity:
            print(f"\nBuilding the migrated template database {template} …", flush=True)
        _drop_stale(conn, prefix, keep=template)
        _build(conn, connection, template, verbosity)
    return template


def build_template(connection, verbosity: int = 1) -> str:
    """Build the template now (CI does so beside the lint); return its name."""
    with _maintenance(connection.settings_dict) as conn, _locked(conn, connection.settings_dict["NAME"]):
        return _ensure_template(conn, connection, verbosity)


def clone_test_database(connection, *, reuse: bool, verbosity: int) -> str:
    """Make the test database of `connection` a clone of the migrated template (building the
    template first when missing); return the test database's name."""
    from psycopg import sql

    settings_dict = connection.settings_dict
    name = _test_name(settings_dict)
    with _maintenance(settings_dict) as conn, _locked(conn, settings_dict["NAME"]):
        template = _ensure_template(conn, connection, verbosity)
        if reuse and _exists(conn, name):
            return name
        _drop(conn, name, force=True)
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(_quote(name), _quote(template)))
    return name


def _uses_template(request: pytest.FixtureRequest) -> bool:
    from django.db import connections

    if request.config.getvalue("create_db") or request.config.getvalue("nomigrations"):
        return False
    return connections[ALIAS].vendor == "postgresql" and len(connections.settings) == 1


@pytest.fixture(scope="session")
def django_db_keepdb(
    request: pytest.FixtureRequest,
    django_db_modify_db_settings: None,  # the xdist suffix is on the test database's name
    django_db_blocker,
) -> Iterator[bool]:
    """pytest-django's flag "the test database exists already; keep it": true after cloning it
    from the template, so `django_db_setup` uses it instead of migrating a new one. The clone is
    dropped at the end of the session unless --reuse-db."""
    reuse = bool(request.config.getvalue("reuse_db"))
    if not _uses_template(request):
        yield reuse
        return
    from django.db import connections

    connection = connections[ALIAS]
    with django_db_blocker.unblock():
        name = clone_test_database(connection, reuse=reuse, verbosity=request.config.option.verbose)
    yield True
    if reuse:
        return
    with django_db_blocker.unblock():
        connections.close_all()
        # The settings name the test database now; the maintenance connection needs the server.
        with _maintenance(connection.settings_dict) as conn:
            _drop(conn, name, force=True)


if __name__ == "__main__":
    # `python -m tests.loanhub.template_db`: build the template of DATABASE_URL (or report that it
    # is there) without running tests, with the session clock of LOANHUB_TEST_TODAY as the tests.
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
    django.setup()
    from django.db import connections

    import conftest

    if connections[ALIAS].vendor != "postgresql":
        sys.exit("DATABASE_URL does not point at PostgreSQL: SQLite test databases use no template")
    conftest.travel_to_test_today()
    print(build_template(connections[ALIAS]))
