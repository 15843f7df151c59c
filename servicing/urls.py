"""Customer loan pages, included by the root URLconf under /loans/."""

from django.urls import path

from servicing import views

app_name = "loans"

urlpatterns = [
    path("", views.loan_list, name="list"),
    path("<int:loan_id>/", views.loan_detail, name="detail"),
    path("<int:loan_id>/pay/", views.loan_pay, name="pay"),
    path("<int:loan_id>/prepay/", views.loan_prepay, name="prepay"),
]
