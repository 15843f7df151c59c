"""Catalogue API URLs, included by the root URLconf under /api/v1/products/."""

from django.urls import path

from products import apis

app_name = "catalogue-api"

urlpatterns = [
    path("", apis.ProductListApi.as_view(), name="list"),
    path("recommendations/", apis.RecommendationsApi.as_view(), name="recommendations"),
    path("<str:code>/", apis.ProductDetailApi.as_view(), name="detail"),
    path("<str:code>/quote/", apis.ProductQuoteApi.as_view(), name="quote"),
]
