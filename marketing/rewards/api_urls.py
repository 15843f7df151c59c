"""Rewards API routes under /api/v1/rewards/."""

from django.urls import path

from marketing.rewards import apis

app_name = "rewards-api"

urlpatterns = [
    path("me/", apis.RewardsMeApi.as_view(), name="me"),
    path("me/referral/", apis.RewardsReferralApi.as_view(), name="referral"),
]
