"""Configuration from the environment: bad values stop start-up with one clear line."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from loanhub import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "value",
    [
        "postgres://postgres@127.0.0.1:5432/loanhub",
        "postgresql://user:secret@db.internal/loanhub",
        "sqlite:////tmp/loanhub.sqlite3",
    ],
)
def test_database_url_accepts_supported_forms(value):
    assert config.database_url({"DATABASE_URL": value}) == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("mysql://root@localhost/loanhub", "scheme 'mysql'"),
        ("postgres://127.0.0.1:5432/", "names no database"),
        ("postgres://host:notaport/db", "malformed"),
        ("postgres:///loanhub", "no host"),
        ("localhost:5432", "expected postgres://"),
        ("", "set but empty"),
    ],
)
def test_database_url_rejects_malformed_values_naming_the_variable(value, fragment):
    with pytest.raises(config.ConfigurationError) as excinfo:
        config.database_url({"DATABASE_URL": value})
    message = str(excinfo.value)
    assert message.startswith("DATABASE_URL")
    assert fragment in message
    assert "\n" not in message


def test_missing_database_url_means_embedded_sqlite():
    assert config.database_url({}) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("amqp://guest@localhost//", "scheme 'amqp'"), ("redis://", "no host"), ("redis://h:99999/0", "")],
)
def test_broker_url_rejects_malformed_values(value, fragment):
    with pytest.raises(config.ConfigurationError) as excinfo:
        config.broker_url({"CELERY_BROKER_URL": value})
    assert str(excinfo.value).startswith("CELERY_BROKER_URL")
    assert fragment in str(excinfo.value)


def test_broker_url_accepts_redis():
    assert config.broker_url({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}) == "redis://127.0.0.1:6379/0"
    assert config.broker_url({}) is None


def test_production_requires_a_strong_secret_key():
    with pytest.raises(config.ConfigurationError, match="SECRET_KEY is required"):
        config.secret_key({"LOANHUB_ENV": "production"})
    with pytest.raises(config.ConfigurationError, match="too weak"):
        config.secret_key({"LOANHUB_ENV": "production", "SECRET_KEY": "short"})
    strong = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
    assert config.secret_key({"LOANHUB_ENV": "production", "SECRET_KEY": strong}) == strong


def test_unknown_environment_name_is_refused():
    with pytest.raises(config.ConfigurationError, match="LOANHUB_ENV"):
        config.is_production({"LOANHUB_ENV": "staging"})


def _manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "LOANHUB_ENV")
    }
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//"),
        ("LOANHUB_APR_CAP", "24%"),
        ("LOANHUB_THROTTLE_CALCULATOR", "lots"),
    ],
)
def test_manage_py_stops_with_one_line_not_a_traceback(variable, value):
    result = _manage("check", **{variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"LoanHub configuration error: {variable}")
    assert "Traceback" not in result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = _manage("check", LOANHUB_ENV="production", LOANHUB_ALLOWED_HOSTS="loanhub.example.com")
    assert result.returncode == 2
    assert "SECRET_KEY is required when LOANHUB_ENV=production" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        LOANHUB_ENV="production",
        LOANHUB_ALLOWED_HOSTS="loanhub.example.com",
        SECRET_KEY="a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6-test-only",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("LOANHUB_APR_CAP", "abc", "a fraction"),
        ("LOANHUB_APR_CAP", "0", "out of range"),
        ("LOANHUB_SENIOR_APPROVAL_AMOUNT", "-1", "out of range"),
        ("LOANHUB_OFFER_EXPIRY_DAYS", "1.5", "whole days"),
        ("LOANHUB_UPLOAD_MAX_BYTES", "5MB", "bytes"),
        ("LOANHUB_THROTTLE_AUTH", "20/fortnight", "a rate such as"),
    ],
)
def test_numeric_settings_are_checked_with_the_expected_form(variable, value, fragment):
    with pytest.raises(config.ConfigurationError, match=fragment):
        config.check_numbers({variable: value})


def test_numeric_settings_accept_good_values():
    checked = config.check_numbers(
        {"LOANHUB_APR_CAP": "0.24", "LOANHUB_OFFER_EXPIRY_DAYS": "14", "LOANHUB_THROTTLE_AUTH": "20/min"}
    )
    assert checked == {
        "LOANHUB_APR_CAP": Decimal("0.24"),
        "LOANHUB_OFFER_EXPIRY_DAYS": 14,
        "LOANHUB_THROTTLE_AUTH": "20/min",
    }


PRODUCTION_PROBE = """
from django.conf import settings
from django.test import Client
# An API 404: no database and no collected static files needed, the headers are the same.
response = Client().get("/api/v1/no-such-thing/", secure=True, HTTP_HOST="loanhub.example.com")
print("status", response.status_code)
print("csp", response["Content-Security-Policy"])
print("hsts", response["Strict-Transport-Security"])
print("csrf-cookie-secure", settings.CSRF_COOKIE_SECURE)
print("session-cookie-secure", settings.SESSION_COOKIE_SECURE)
"""


def test_production_responses_send_csp_hsts_and_secure_cookies():
    result = _manage(
        "shell",
        "-c",
        PRODUCTION_PROBE,
        LOANHUB_ENV="production",
        LOANHUB_ALLOWED_HOSTS="loanhub.example.com",
        SECRET_KEY="a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6-test-only",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    keys = ("status", "csp", "hsts", "csrf-cookie-secure", "session-cookie-secure")
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(keys))
    assert lines["status"] == "404"
    policy = dict(part.strip().split(" ", 1) for part in lines["csp"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert lines["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["csrf-cookie-secure"] == "True"
    assert lines["session-cookie-secure"] == "True"
