"""Customers app.

Customer profiles (individuals, sole proprietors, small and micro enterprises), KYC state,
documents, consents to credit checks, and the one place that masks personal data such as
identity and phone numbers. It knows nothing of applications or risk.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """Customers: see the module docstring for what this app owns."""

    name = "customers"
    verbose_name = _("Customers")
