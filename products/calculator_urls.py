"""The customer calculator page, included by the root URLconf under /calculator/."""

from django.urls import path

from products import calculator_views

app_name = "calculator"

urlpatterns = [
    path("", calculator_views.calculator_page, name="page"),
    path("schedule.csv", calculator_views.calculator_download, {"fmt": "csv"}, name="csv"),
    path("schedule.xlsx", calculator_views.calculator_download, {"fmt": "xlsx"}, name="xlsx"),
]
