"""Marketing pages under /marketing/."""

from django.urls import path

from marketing import views

app_name = "marketing"

urlpatterns = [
    path("l/<slug:code>/", views.landing, name="landing"),
    path("feedback/", views.feedback, name="feedback"),
]
