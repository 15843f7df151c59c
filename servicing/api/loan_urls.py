"""Loans API URLs, included by the root URLconf under /api/v1/loans/."""

from django.urls import path

from servicing.api import loans, repayments

app_name = "loans-api"

urlpatterns = [
    path("", loans.LoanListApi.as_view(), name="list"),
    path("<int:loan_id>/", loans.LoanDetailApi.as_view(), name="detail"),
    path("<int:loan_id>/repayments/", repayments.LoanRepaymentsApi.as_view(), name="repayments"),
    path("<int:loan_id>/payoff/", loans.LoanPayoffApi.as_view(), name="payoff"),
]
