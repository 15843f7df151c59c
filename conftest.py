"""Suite-wide pytest set-up: the session clock, fast hashing, in-process tasks, and the
`services` marker.

`LOANHUB_TEST_TODAY=YYYY-MM-DD` moves "today" for the whole session (time-machine, ticking from
10:00 local time on that date): `loanhub.clock`, `django.utils.timezone`, `date.today()` and
`datetime.now()` all agree. CI runs the suite once on the real date and again years ahead and on
a 29 February, so no test may hold a date literal that must stay in the future or the past.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

# Fixtures shared by test packages that have no conftest in common (the throwaway Redis, the
# template databases, the browser).
pytest_plugins = ("tests.loanhub.redis_server", "tests.loanhub.template_db", "tests.loanhub.browser")

CHROMIUM = os.environ.get("LOANHUB_CHROMIUM", "/usr/bin/chromium")
# Debian's Chinese font (fonts-wqy-microhei, installed by `make browser` and .ci/run): zh
# screenshots and the OCR test's rendered identity card need it.
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
REQUIRE_SERVICES = os.environ.get("LOANHUB_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


def _service_missing(name: str) -> str | None:
    """Why the named real service is not available, or None when it is."""
    from django.conf import settings
    from django.db import connection

    if name == "postgres":
        if connection.vendor != "postgresql":
            return "DATABASE_URL does not point at PostgreSQL"
        return None
    if name == "redis":
        if not settings.LOANHUB_BROKER_CONFIGURED:
            return "CELERY_BROKER_URL is not set"
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
        except redis.RedisError as exc:
            return f"Redis at CELERY_BROKER_URL does not answer ({exc.__class__.__name__})"
        return None
    if name == "worker":  # a real Celery worker process: it needs the broker and a shared database
        return _service_missing("postgres") or _service_missing("redis")
    if name == "chromium":
        if not os.path.exists(CHROMIUM):
            return f"{CHROMIUM} is missing (apt-get install -y chromium)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "playwright is not installed (make install-dev)"
        return None
    if name == "cjk_font":
        if not os.path.exists(CJK_FONT):
            return f"{CJK_FONT} is missing (apt-get install -y fonts-wqy-microhei)"
        return None
    raise ValueError(f"unknown service {name!r}")


TEST_TODAY = os.environ.get("LOANHUB_TEST_TODAY", "").strip()
_session_travel = None


def _test_today() -> dt.date | None:
    if not TEST_TODAY:
        return None
    try:
        return dt.date.fromisoformat(TEST_TODAY)
    except ValueError:
        raise pytest.UsageError(f"LOANHUB_TEST_TODAY must be a date YYYY-MM-DD, not {TEST_TODAY!r}") from None


def pytest_report_header(config) -> str:
    day = _test_today()
    return f"loanhub clock: {'moved to ' + day.isoformat() if day else 'the real date'}"


def pytest_sessionstart(session) -> None:
    """Give each pytest-xdist process (and each process of the serial pass) its own cache keys;
    travel to LOANHUB_TEST_TODAY for the whole session (before any test or fixture runs)."""
    global _session_travel
    # The Redis cache is shared: one process's clear() or cached page (or product version id) is not
    # another's, whether the other is an xdist process or the serial pass's second process.
    worker = "-".join(
        filter(
            None,
            (os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("LOANHUB_TEST_DB_SUFFIX", "").strip()),
        )
    )
    if worker:
        from django.conf import settings

        for cache in settings.CACHES.values():
            cache["KEY_PREFIX"] = f"{cache.get('KEY_PREFIX', '')}-{worker}"
    _session_travel = travel_to_test_today()


def travel_to_test_today():
    """Start the session's travel to LOANHUB_TEST_TODAY (10:00 local time, ticking); None without
    it. Also used by tests/loanhub/template_db.py, which migrates on the same day as the tests."""
    day = _test_today()
    if day is None:
        return None
    import zoneinfo

    import time_machine
    from django.conf import settings

    start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    travel = time_machine.travel(start, tick=True)
    travel.start()
    return travel


def pytest_sessionfinish(session, exitstatus) -> None:
    if _session_travel is not None:
        _session_travel.stop()


# Tests that run outside this process's clock: a real worker process, and the browser's own time.
OUTSIDE_THE_CLOCK = {"worker", "chromium"}
# Tests that share one thing between processes (a real worker and the shared broker, the shared
# Redis, the browser with its live server): marked `serial`, so `make test` runs everything else
# on pytest-xdist's processes (`-m "not serial"`) and these afterwards, one at a time: the browser's
# (`-m "serial and browser"`) in one process beside the rest in another.
SERIAL = {"worker", "redis", "chromium"}


def _services(item: pytest.Item) -> set[str]:
    return {name for marker in item.iter_markers("services") for name in marker.args}


@pytest.hookimpl(tryfirst=True)  # before pytest's own `-m` selection reads the markers
def pytest_collection_modifyitems(config, items) -> None:
    """Mark the `serial` tests; with the clock moved, leave out the tests whose other processes
    keep the real date."""
    for item in items:
        services = _services(item)
        if services & SERIAL:
            item.add_marker(pytest.mark.serial)
            if "chromium" in services:
                # `make test` runs the browser's serial tests (each its own live server) in a
                # pytest process of their own, beside the other serial tests (the shared broker,
                # Redis and real workers), each process on its own test database.
                item.add_marker(pytest.mark.browser)
    if _test_today() is None:
        return
    kept, left_out = [], []
    for item in items:
        (left_out if _services(item) & OUTSIDE_THE_CLOCK else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("services"):
        for name in marker.args:
            reason = _service_missing(name)
            if reason is None:
                continue
            if REQUIRE_SERVICES:
                pytest.fail(f"LOANHUB_REQUIRE_SERVICES=1 but {name} is unavailable: {reason}")
            pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """pytest-django's (the xdist process's suffix on the test database's name), and then
    LOANHUB_TEST_DB_SUFFIX: two pytest processes of one run (`make test`'s serial pass) each on a
    test database of its own, both copies of the one template (tests/loanhub/template_db.py)."""
    suffix = os.environ.get("LOANHUB_TEST_DB_SUFFIX", "").strip()
    if suffix:
        from pytest_django.fixtures import _set_suffix_to_test_databases

        _set_suffix_to_test_databases(suffix=suffix)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_monitoring_after_close(settings):
    """Closes of business outside tests/monitoring do not aggregate each date (tests/monitoring
    turns it on again; the real-worker tests' workers keep the default, on)."""
    settings.LOANHUB_MONITORING_AFTER_COB = False


@pytest.fixture(autouse=True)
def _no_collections_after_close(settings):
    """Closes of business do not run collections outside the tests that turn it on."""
    settings.LOANHUB_COLLECTIONS_AFTER_COB = False


@pytest.fixture(autouse=True)
def _no_points_after_close(settings):
    """Closes of business do not sync reward points outside the tests that turn it on (its task
    would otherwise run after every close of every test, or wait in the broker for a worker)."""
    settings.LOANHUB_POINTS_AFTER_COB = False


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Unit tests run tasks in-process after commit; the worker integration tests opt out."""
    from loanhub.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_public_pages():
    """Each test starts a new generation of cached public pages: its rows are not the ones an
    earlier test's cached catalogue was rendered from (the database is rolled back, the cache is
    not)."""
    from loanhub import pagecache

    pagecache.invalidate(pagecache.CATALOGUE)
