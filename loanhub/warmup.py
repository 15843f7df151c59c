"""Warm a server process before it serves (LOANHUB_WARM_UP=1, as `make serve` and the load test
start gunicorn): the public pages are requested once through the process's own WSGI handler, in
each language, so their content is in the shared cache and this process has compiled its
templates, loaded its translations and opened its database connection before the first visitor
waits for any of it. Nothing is faked: the pages are rendered exactly as a visitor's request
would render them (anonymous, from this machine). A failure is logged and never stops start-up.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


def _start_response(statuses: list[str]):
    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    return start_response


def warm_up(application, paths: Callable[[], list[str]]) -> int:
    """Request each public page (`paths()`, given by the entry point: the kernel knows no
    business app) in each language through `application`; returns how many answered 200."""
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
    answered = 0
    try:
        paths = list(paths())
    except Exception:  # a database not reachable yet: the first visitors warm it instead
        logger.warning("warm-up skipped: the catalogue could not be read", exc_info=True)
        return 0
    for language, _name in settings.LANGUAGES:
        for path in paths:
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": host,
                "SERVER_PORT": "443",
                "HTTP_HOST": host,
                "HTTP_ACCEPT_LANGUAGE": language,
                "HTTP_X_FORWARDED_PROTO": "https",  # as the TLS proxy says in production
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": io.StringIO(),
                "wsgi.url_scheme": "https",
                "wsgi.version": (1, 0),
                "wsgi.multithread": True,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
            }
            try:
                statuses: list[str] = []
                response = application(environ, _start_response(statuses))
                for _chunk in response:
                    pass
                if hasattr(response, "close"):
                    response.close()
            except Exception:
                logger.warning("warm-up of %s failed", path, exc_info=True)
                continue
            answered += bool(statuses and statuses[0].startswith("200"))
    logger.info("warm-up: %s public pages answered 200", answered)
    return answered
