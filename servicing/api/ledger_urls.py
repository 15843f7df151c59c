"""Ledger API URLs, included by the root URLconf under /api/v1/ledger/."""

from django.urls import path

from servicing.api import ledger

app_name = "ledger-api"

urlpatterns = [
    path("trial-balance/", ledger.TrialBalanceApi.as_view(), name="trial-balance"),
    path("provisions/", ledger.ProvisionRatiosApi.as_view(), name="provisions"),
]
