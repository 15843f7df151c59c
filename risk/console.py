"""Risk's panel of the console's start page (`loanhub.console`): the model registry's status and
the way to the monitoring dashboards."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loanhub import console, roles
from risk import selectors


def _models(request) -> dict:
    return {"models": selectors.model_registry_status()}


console.register(
    key="models",
    title=_("Score models"),
    roles=(roles.RISK_ANALYST, roles.AUDITOR),
    template="admin/console/models.html",
    context=_models,
    order=50,
)
