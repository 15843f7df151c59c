"""Customer pages under /customers/."""

from django.urls import path

from customers import password_views, views, views_phone

app_name = "customers"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.CustomerLoginView.as_view(), name="login"),
    path("logout/", views.CustomerLogoutView.as_view(), name="logout"),
    path("password-reset/", password_views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", password_views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        password_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("me/", views.profile, name="profile"),
    path("me/password/", password_views.PasswordChangeView.as_view(), name="password-change"),
    path("me/business/", views.business_profile, name="business"),
    path("me/sessions/", views.session_list, name="sessions"),
    path("me/phone/", views_phone.phone_verify, name="phone"),
    path("me/documents/", views.document_upload, name="document-upload"),
    path("me/marketing-consent/", views.marketing_consent, name="marketing-consent"),
    path("unsubscribe/<str:token>/", views.marketing_unsubscribe, name="unsubscribe"),
    path("documents/<int:pk>/", views.document_download, name="document"),
]
