"""Loans API URLs, included by the root URLconf under /api/v1/loans/."""

from django.urls import path

from servicing.api import loans, repayments, schedule_changes

app_name = "loans-api"

urlpatterns = [
    path("", loans.LoanListApi.as_view(), name="list"),
    path("<int:loan_id>/", loans.LoanDetailApi.as_view(), name="detail"),
    path("<int:loan_id>/repayments/", repayments.LoanRepaymentsApi.as_view(), name="repayments"),
    path("<int:loan_id>/payoff/", loans.LoanPayoffApi.as_view(), name="payoff"),
    path(
        "<int:loan_id>/prepayment-quote/",
        schedule_changes.PrepaymentQuoteApi.as_view(),
        name="prepayment-quote",
    ),
    path("<int:loan_id>/prepayments/", schedule_changes.PrepaymentsApi.as_view(), name="prepayments"),
    path("<int:loan_id>/deferrals/", schedule_changes.DeferralsApi.as_view(), name="deferrals"),
    path(
        "<int:loan_id>/deferrals/<int:change_id>/approve/",
        schedule_changes.DeferralApproveApi.as_view(),
        name="deferral-approve",
    ),
    path(
        "<int:loan_id>/deferrals/<int:change_id>/reject/",
        schedule_changes.DeferralRejectApi.as_view(),
        name="deferral-reject",
    ),
]
