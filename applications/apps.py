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

    def ready(self) -> None:
        # risk calls back through its explicit registry (no signals): its decision moves the
        # application in the same transaction that writes the decision.
        from applications import services
        from risk.hooks import register_decision_hook

        register_decision_hook(services.application_apply_decision)
