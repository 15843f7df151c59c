"""Reading LoanHub's configuration from the environment.

Every setting that differs between a laptop, CI and production comes from an environment
variable parsed here, so that a bad value stops start-up with one line that names the variable
and the form it expects, instead of a traceback from deep inside a database driver.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DATABASE_URL_FORM = "postgres://USER:PASSWORD@HOST:5432/NAME (or sqlite:////absolute/path.sqlite3)"
BROKER_URL_FORM = "redis://HOST:6379/0"


class ConfigurationError(ImproperlyConfigured):
    """A configuration variable is missing or malformed; the message is one line for the operator."""


def _check_url(name: str, value: str, schemes: tuple[str, ...], form: str, *, need_host: bool) -> None:
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ConfigurationError(f"{name} is malformed ({exc}); expected {form}") from None
    if parts.scheme not in schemes:
        raise ConfigurationError(
            f"{name} has scheme {parts.scheme or '(none)'!r}; expected {form}",
        )
    if need_host and not parts.hostname:
        raise ConfigurationError(f"{name} has no host; expected {form}")
    if port is not None and not 0 < port < 65536:
        raise ConfigurationError(f"{name} has port {port} out of range; expected {form}")


def database_url(environ: dict[str, str] | None = None) -> str | None:
    """The validated DATABASE_URL, or None for the embedded SQLite default."""
    environ = os.environ if environ is None else environ
    value = environ.get("DATABASE_URL", "").strip()
    if "DATABASE_URL" in environ and not value:
        raise ConfigurationError(f"DATABASE_URL is set but empty; expected {DATABASE_URL_FORM}")
    if not value:
        return None
    if value.startswith("sqlite:"):
        _check_url("DATABASE_URL", value, ("sqlite",), DATABASE_URL_FORM, need_host=False)
        return value
    _check_url(
        "DATABASE_URL",
        value,
        ("postgres", "postgresql", "pgsql"),
        DATABASE_URL_FORM,
        need_host=True,
    )
    if not urlsplit(value).path.strip("/"):
        raise ConfigurationError(f"DATABASE_URL names no database; expected {DATABASE_URL_FORM}")
    return value


def broker_url(environ: dict[str, str] | None = None) -> str | None:
    """The validated CELERY_BROKER_URL, or None for in-process (eager) task execution."""
    environ = os.environ if environ is None else environ
    value = environ.get("CELERY_BROKER_URL", "").strip()
    if "CELERY_BROKER_URL" in environ and not value:
        raise ConfigurationError(f"CELERY_BROKER_URL is set but empty; expected {BROKER_URL_FORM}")
    if not value:
        return None
    _check_url("CELERY_BROKER_URL", value, ("redis", "rediss"), BROKER_URL_FORM, need_host=True)
    return value


def exit_on_configuration_error(func):
    """Run func(); on a ConfigurationError print one line to stderr and exit with status 2."""
    try:
        return func()
    except ConfigurationError as exc:
        sys.stderr.write(f"LoanHub configuration error: {exc}\n")
        raise SystemExit(2) from None


def is_production(environ: dict[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    value = environ.get("LOANHUB_ENV", "development").strip().lower()
    if value not in ("development", "production"):
        raise ConfigurationError(f"LOANHUB_ENV is {value!r}; expected 'development' or 'production'")
    return value == "production"


def secret_key(environ: dict[str, str] | None = None) -> str:
    """SECRET_KEY from the environment; required (and at least 50 characters) in production."""
    environ = os.environ if environ is None else environ
    value = environ.get("SECRET_KEY", "")
    if is_production(environ):
        if not value:
            raise ConfigurationError(
                "SECRET_KEY is required when LOANHUB_ENV=production; expected 50+ random characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(64))')"
            )
        if len(value) < 50 or len(set(value)) < 5:
            raise ConfigurationError("SECRET_KEY is too weak; expected 50+ random characters")
        return value
    # Development only: a fixed, clearly-marked key so sessions survive restarts on a laptop.
    return value or "django-insecure-loanhub-development-key-never-use-in-production"


# Business and limit settings: name → (kind, minimum, maximum, form shown in the error).
NUMBERS = {
    "LOANHUB_APR_CAP": ("decimal", "0.0001", "10", "a fraction such as 0.24"),
    "LOANHUB_SENIOR_APPROVAL_AMOUNT": ("decimal", "0", "100000000000", "an amount such as 200000"),
    "LOANHUB_HIGH_NET_WORTH_INCOME": ("decimal", "0", "100000000000", "a monthly income such as 100000"),
    "LOANHUB_OFFER_EXPIRY_DAYS": ("int", 1, 365, "whole days, 1 to 365"),
    "LOANHUB_STUCK_AFTER_MINUTES": ("int", 1, 10080, "whole minutes, 1 to 10080"),
    "LOANHUB_COB_RESUME_AFTER_MINUTES": ("int", 1, 1440, "whole minutes, 1 to 1440"),
    "LOANHUB_UPLOAD_MAX_BYTES": ("int", 1024, 1073741824, "bytes, 1024 to 1073741824"),
    "LOANHUB_TRUSTED_PROXIES": ("int", 0, 5, "the number of reverse proxies in front of LoanHub, 0 to 5"),
    "LOANHUB_LOGIN_FAILURE_LIMIT": ("int", 3, 100, "wrong passwords before a lockout, 3 to 100"),
    "LOANHUB_LOGIN_LOCKOUT_MINUTES": ("int", 1, 1440, "minutes of the first lockout, 1 to 1440"),
    "LOANHUB_IDLE_TIMEOUT_STAFF_MINUTES": ("int", 2, 1440, "idle minutes before sign-out, 2 to 1440"),
    "LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES": ("int", 2, 1440, "idle minutes before sign-out, 2 to 1440"),
    "LOANHUB_TOKEN_TTL_HOURS": ("int", 1, 8760, "hours an API token lives, 1 to 8760"),
}
RATES = (
    "LOANHUB_THROTTLE_ANON",
    "LOANHUB_THROTTLE_USER",
    "LOANHUB_THROTTLE_CALCULATOR",
    "LOANHUB_THROTTLE_AUTH",
)


def check_numbers(environ: dict[str, str] | None = None) -> dict:
    """Numeric settings are numbers within their range, and throttle rates read like 120/min.

    Returns the values it checked, parsed (ints, Decimals, rate strings)."""
    from decimal import Decimal, InvalidOperation

    environ = os.environ if environ is None else environ
    checked: dict = {}
    for name, (kind, low, high, form) in NUMBERS.items():
        raw = environ.get(name)
        if raw is None:
            continue
        try:
            value = int(raw) if kind == "int" else Decimal(raw.strip())
        except (ValueError, InvalidOperation):
            raise ConfigurationError(f"{name} is {raw!r}; expected {form}") from None
        if not (Decimal(low) <= Decimal(value) <= Decimal(high)):
            raise ConfigurationError(f"{name} is {raw!r}, out of range; expected {form}")
        checked[name] = value
    for name in RATES:
        raw = environ.get(name)
        if raw is None:
            continue
        number, _, unit = raw.strip().partition("/")
        if not (
            number.isdigit() and int(number) > 0 and unit in {"s", "sec", "m", "min", "h", "hour", "d", "day"}
        ):
            raise ConfigurationError(
                f"{name} is {raw!r}; expected a rate such as 120/min (per s, min, hour or day)"
            )
        checked[name] = raw.strip()
    return checked


def validate_environment(environ: dict[str, str] | None = None) -> None:
    """Check every variable that start-up depends on; raise ConfigurationError on the first bad one."""
    is_production(environ)
    database_url(environ)
    broker_url(environ)
    secret_key(environ)
    check_numbers(environ)
