"""Applications app.

The loan application state machine (submitted, scored, approved, disbursed, referred, declined,
withdrawn, expired), its event timeline, offers, the officer workflow and maker-checker
approvals. It reaches servicing only through servicing's services.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    """Applications: see the module docstring for what this app owns."""

    name = "applications"
    verbose_name = _("Applications")
