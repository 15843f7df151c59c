"""Public calculator API under /api/v1/calculator/."""

from django.urls import path

from products import calculator_apis

app_name = "calculator-api"

urlpatterns = [
    path("schedule/", calculator_apis.ScheduleCalculateApi.as_view(), name="schedule"),
    path("prepayment/", calculator_apis.PrepaymentCalculateApi.as_view(), name="prepayment"),
    path("revolving/", calculator_apis.RevolvingCalculateApi.as_view(), name="revolving"),
    path("apr/", calculator_apis.AprCalculateApi.as_view(), name="apr"),
]
