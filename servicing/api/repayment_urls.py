"""Repayments API URLs, included by the root URLconf under /api/v1/repayments/."""

from django.urls import path

from servicing.api import repayments

app_name = "repayments-api"

urlpatterns = [
    path("<int:repayment_id>/reverse/", repayments.RepaymentReverseApi.as_view(), name="reverse"),
]
