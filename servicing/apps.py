"""Servicing app.

Loans after disbursement: pinned schedules, the disbursement itself, repayments, the double-
entry ledger, close of business, delinquency and collections. It never imports marketing.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicingConfig(AppConfig):
    """Servicing: see the module docstring for what this app owns."""

    name = "servicing"
    verbose_name = _("Servicing")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # The chart of accounts is reference data the ledger needs: the data migration seeds it,
        # and this keeps it after anything that empties the tables and re-runs post_migrate
        # (`flush`, which transactional tests use), without touching accounts already there.
        post_migrate.connect(_ensure_chart_of_accounts, sender=self, dispatch_uid="servicing.chart")
        # Collections run after each closed date, through the same registry as the apps above.
        from servicing.collections import cob_finished as collections_after_cob
        from servicing.hooks import register_cob_finished_hook

        register_cob_finished_hook(collections_after_cob)


def _ensure_chart_of_accounts(sender, using="default", **kwargs) -> None:
    from servicing.ledger import ensure_chart_of_accounts

    ensure_chart_of_accounts(using=using)
