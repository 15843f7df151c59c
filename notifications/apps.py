"""Notifications app (see the package docstring)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications: templates, channels, preferences, quiet hours and the sent-message log."""

    name = "notifications"
    verbose_name = _("Notifications")
