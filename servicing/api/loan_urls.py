"""Loans API URLs, included by the root URLconf under /api/v1/loans/."""

from django.urls import path

from servicing.api import loans, repayments, restructuring, schedule_changes

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
    path("<int:loan_id>/restructurings/", restructuring.RestructuringsApi.as_view(), name="restructurings"),
    path(
        "<int:loan_id>/restructurings/<int:change_id>/approve/",
        restructuring.RestructuringApproveApi.as_view(),
        name="restructuring-approve",
    ),
    path(
        "<int:loan_id>/restructurings/<int:change_id>/reject/",
        restructuring.RestructuringRejectApi.as_view(),
        name="restructuring-reject",
    ),
    path("<int:loan_id>/write-offs/", restructuring.WriteOffsApi.as_view(), name="write-offs"),
    path(
        "<int:loan_id>/write-offs/<int:change_id>/approve/",
        restructuring.WriteOffApproveApi.as_view(),
        name="write-off-approve",
    ),
    path(
        "<int:loan_id>/write-offs/<int:change_id>/reject/",
        restructuring.WriteOffRejectApi.as_view(),
        name="write-off-reject",
    ),
    path("<int:loan_id>/recoveries/", restructuring.RecoveriesApi.as_view(), name="recoveries"),
]
