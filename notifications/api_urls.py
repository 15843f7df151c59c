"""Routes of the notifications API (under /api/v1/notifications/)."""

from django.urls import path

from notifications import apis

app_name = "notifications-api"

urlpatterns = [path("me/", apis.MyMessagesApi.as_view(), name="me")]
