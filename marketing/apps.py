"""Marketing app (see the package docstring)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Marketing: see the package docstring for what this app owns."""

    name = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        # Applications call back through their explicit registry (no signals): the attribution
        # snapshot is written in the same transaction as the submission.
        from django.contrib.auth.signals import user_logged_in

        from applications.hooks import register_submitted
        from marketing import services

        register_submitted(services.attribution_record)
        # Signing in merges the anonymous visitor's touches into the customer (Django's own
        # authentication event; no business workflow hangs on it).
        user_logged_in.connect(services.touches_merge_on_login, dispatch_uid="marketing-merge-visitor")
