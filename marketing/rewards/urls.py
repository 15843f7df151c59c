"""Rewards portal routes under /rewards/."""

from django.urls import path

from marketing.rewards import views

app_name = "rewards"

urlpatterns = [path("", views.rewards_page, name="page")]
