"""Risk app.

Scoring requests, credit scorecard models and their registry, policy and fraud rules, immutable
decisions with their explanations, and the credit-bureau interface.
It calls back to the requester through a registered hook instead of importing the applications
app.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    """Risk: see the module docstring for what this app owns."""

    name = "risk"
    verbose_name = _("Risk")
