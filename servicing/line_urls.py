"""Customer credit line pages, included by the root URLconf under /credit-lines/."""

from django.urls import path

from servicing import line_views

app_name = "credit-lines"

urlpatterns = [
    path("<int:line_id>/", line_views.credit_line_detail, name="detail"),
    path("<int:line_id>/draw/", line_views.credit_line_draw, name="draw"),
    path("<int:line_id>/repay/", line_views.credit_line_repay, name="repay"),
]
