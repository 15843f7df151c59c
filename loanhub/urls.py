"""Root URLs: portal, admin console, API and its documentation, liveness and readiness."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from loanhub import api_docs, views

urlpatterns = [
    path("", include("products.pages.home_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("products/", include("products.pages.urls")),
    path("api/v1/products/", include("products.api.urls")),
    path("calculator/", include("calculator.urls")),
    path("api/v1/calculator/", include("calculator.api_urls")),
    path("customers/", include("customers.urls")),
    path("api/v1/customers/", include("customers.api_urls")),
    path("api/v1/auth/", include("customers.auth_api_urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/notifications/", include("notifications.api_urls")),
    path("marketing/", include("marketing.urls")),
    path("api/v1/marketing/", include("marketing.api_urls")),
    path("api/v1/applications/", include("applications.api_urls")),
    path("", include("applications.urls")),
    path("loans/", include("servicing.urls")),
    path("api/v1/loans/", include("servicing.api.loan_urls")),
    path("api/v1/repayments/", include("servicing.api.repayment_urls")),
    path("api/v1/ledger/", include("servicing.api.ledger_urls")),
    path("api/v1/credit-lines/", include("servicing.api.credit_line_urls")),
    path("api/v1/collections/", include("servicing.api.collection_urls")),
    path("api/v1/limit-offers/", include("servicing.api.limit_offer_urls")),
    path("credit-lines/", include("servicing.line_urls")),
    path("api/v1/monitoring/", include("monitoring.api_urls")),
    path("rewards/", include("marketing.rewards.urls")),
    path("api/v1/rewards/", include("marketing.rewards.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.swagger_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", api_docs.redoc_view(url_name="api-schema"), name="api-redoc"),
]

# Under /api/ the API's JSON error body, elsewhere the portal's own pages (loanhub.views).
handler403 = "loanhub.views.permission_denied"
handler404 = "loanhub.views.not_found"
handler500 = "loanhub.views.server_error"

admin.site.site_header = "LoanHub"
admin.site.site_title = "LoanHub"
