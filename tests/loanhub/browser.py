"""The browser tests' Chromium (Playwright driving Debian's /usr/bin/chromium, never a downloaded
browser) and their screenshots: the `browser` fixture, registered for the whole suite in the
root conftest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                yield browser
                browser.close()
            finally:
                # The ORM calls the test makes while Playwright's sync API (greenlets) is running
                # leave a connection that pytest-django's teardown does not close; close it here, or
                # the test database cannot be dropped at the end of the run ("accessed by other users").
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def screenshot(page, name: str) -> None:
    """The page, whole, as var/screenshots/<name>.png (gitignored)."""
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
