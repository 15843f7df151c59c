"""Credit lines API URLs, included by the root URLconf under /api/v1/credit-lines/."""

from django.urls import path

from servicing.api import credit_lines

app_name = "credit-lines-api"

urlpatterns = [
    path("", credit_lines.CreditLineListApi.as_view(), name="list"),
    path("<int:line_id>/", credit_lines.CreditLineDetailApi.as_view(), name="detail"),
    path("<int:line_id>/draws/", credit_lines.CreditLineDrawApi.as_view(), name="draws"),
    path("<int:line_id>/repayments/", credit_lines.CreditLineRepayApi.as_view(), name="repayments"),
]
