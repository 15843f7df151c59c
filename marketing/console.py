"""Marketing's panel of the console's start page (`loanhub.console`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loanhub import console, roles
from marketing import selectors


def _campaigns(request) -> dict:
    return selectors.campaign_console_summary()


console.register(
    key="campaigns",
    title=_("Campaigns"),
    roles=(roles.MARKETING_MANAGER, roles.AUDITOR),
    template="admin/console/campaigns.html",
    context=_campaigns,
    order=60,
)
