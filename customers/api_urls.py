"""Customers API under /api/v1/customers/."""

from django.urls import path

from customers import apis, apis_phone

app_name = "customers-api"

urlpatterns = [
    path("me/", apis.CustomerMeApi.as_view(), name="me"),
    path("me/business/", apis.CustomerMeBusinessApi.as_view(), name="me-business"),
    path("me/marketing-consent/", apis.CustomerMeMarketingConsentApi.as_view(), name="me-marketing-consent"),
    path("me/phone/send-code/", apis_phone.CustomerMePhoneSendCodeApi.as_view(), name="me-phone-send-code"),
    path("me/phone/verify/", apis_phone.CustomerMePhoneVerifyApi.as_view(), name="me-phone-verify"),
    path("me/documents/", apis.CustomerMeDocumentsApi.as_view(), name="me-documents"),
    path("<int:pk>/verify-identity/", apis.CustomerVerifyIdentityApi.as_view(), name="verify-identity"),
    path("<int:pk>/reject-identity/", apis.CustomerRejectIdentityApi.as_view(), name="reject-identity"),
]
