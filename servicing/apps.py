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
