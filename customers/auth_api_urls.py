"""Sign-up and token API under /api/v1/auth/."""

from django.urls import path

from customers import auth_apis

app_name = "auth-api"

urlpatterns = [
    path("register/", auth_apis.RegisterApi.as_view(), name="register"),
    path("token/", auth_apis.TokenObtainApi.as_view(), name="token"),
    path("token/revoke/", auth_apis.TokenRevokeApi.as_view(), name="token-revoke"),
]
