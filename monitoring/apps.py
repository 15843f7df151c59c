"""Monitoring app.

Aggregates written after each close of business (the portfolio by date and dimension, month-end
roll rates, vintage curves), the monitoring API and the admin dashboard that reads only them.
It reads servicing, risk and products through their selectors; nothing below imports it:
close of business tells it a date is closed through `servicing.hooks`.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Monitoring: see the module docstring for what this app owns."""

    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Servicing calls back through its explicit registry (no signals) when a date is closed.
        from monitoring import services
        from servicing.hooks import register_cob_finished_hook

        register_cob_finished_hook(services.cob_finished)
        # Risk's decision check asks for the book's exposure through its explicit registry.
        from monitoring import concentration
        from risk.concentration import register_exposure_source

        register_exposure_source(concentration.exposure)
