"""The customer calculator page, included by the root URLconf under /calculator/."""

from django.urls import path

from calculator import views

app_name = "calculator"

urlpatterns = [
    path("", views.calculator_page, name="page"),
    path("schedule.csv", views.calculator_download, {"fmt": "csv"}, name="csv"),
    path("schedule.xlsx", views.calculator_download, {"fmt": "xlsx"}, name="xlsx"),
]
