"""The shared kernel as a Django app: roles and capabilities, worker probes."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LoanhubConfig(AppConfig):
    """Owns roles (groups) and their permissions, the audit-event base and platform commands."""

    name = "loanhub"
    verbose_name = _("LoanHub platform")

    def ready(self) -> None:
        from loanhub import roles

        # Permissions of models added by later migrations are granted to the roles as soon as
        # they exist; the mapping itself lives in loanhub.roles.
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="loanhub.roles.sync")

        from axes.signals import user_locked_out

        from loanhub import lockout

        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="loanhub.lockout")

        # Each app registers the reasons its services record on events (loanhub.reasons) in its
        # own `event_reasons` module, found like the admin's modules.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("event_reasons")


class LoanHubAdminConfig(AdminConfig):
    """django.contrib.admin on LoanHub's site class (log-ins limited per address)."""

    default_site = "loanhub.admin_site.LoanHubAdminSite"

    def ready(self) -> None:
        super().ready()
        from loanhub.admin_auth import use_translated_role_names
        from loanhub.admin_site import use_formatted_rates_and_money, use_translated_boolean_icons

        use_translated_boolean_icons()
        use_formatted_rates_and_money()
        use_translated_role_names()
