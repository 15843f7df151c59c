"""Marketing app: reserved (see the package docstring)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Marketing: see the module docstring for what this app owns."""

    name = "marketing"
    verbose_name = _("Marketing")
