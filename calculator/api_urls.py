"""Public calculator API under /api/v1/calculator/."""

from django.urls import path

from calculator import apis

app_name = "calculator-api"

urlpatterns = [
    path("schedule/", apis.ScheduleCalculateApi.as_view(), name="schedule"),
    path("prepayment/", apis.PrepaymentCalculateApi.as_view(), name="prepayment"),
    path("revolving/", apis.RevolvingCalculateApi.as_view(), name="revolving"),
    path("apr/", apis.AprCalculateApi.as_view(), name="apr"),
]
