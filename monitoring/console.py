"""Monitoring's panel of the console's start page (`loanhub.console`): the early warnings in the
officers' queue."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loanhub import console, roles
from monitoring import selectors


def _warnings(request) -> dict:
    return selectors.early_warning_console_summary()


console.register(
    key="warnings",
    title=_("Early warnings"),
    roles=(roles.LOAN_OFFICER, roles.SENIOR_APPROVER, roles.RISK_ANALYST, roles.AUDITOR),
    template="admin/console/warnings.html",
    context=_warnings,
    order=35,
)
