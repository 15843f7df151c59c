"""Limit offers API URLs, included by the root URLconf under /api/v1/limit-offers/."""

from django.urls import path

from servicing.api import limit_offers

app_name = "limit-offers-api"

urlpatterns = [
    path("", limit_offers.LimitOfferListApi.as_view(), name="list"),
]
