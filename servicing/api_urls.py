"""Loans API URLs, included by the root URLconf under /api/v1/loans/."""

from django.urls import path

from servicing import apis

app_name = "loans-api"

urlpatterns = [
    path("", apis.LoanListApi.as_view(), name="list"),
    path("<int:loan_id>/", apis.LoanDetailApi.as_view(), name="detail"),
]
