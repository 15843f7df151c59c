"""LoanHub project package: settings, root URLs, the Celery app and the shared kernel.

The shared kernel (money helpers, roles and permissions, the audit-event base, configuration
parsing) lives here because every business app depends on it and it depends on none of them.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
