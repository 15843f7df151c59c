"""Marketing app.

Customer segments, campaigns, attribution of applications to channels and campaigns,
experiments, rewards and CRM follow-ups. It reads the other apps through their selectors.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Marketing: see the module docstring for what this app owns."""

    name = "marketing"
    verbose_name = _("Marketing")
