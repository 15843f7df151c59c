"""Catalogue API URLs, included by the root URLconf under /api/v1/products/."""

from django.urls import path

from products.api import views

app_name = "catalogue-api"

urlpatterns = [
    path("", views.ProductListApi.as_view(), name="list"),
    path("recommendations/", views.RecommendationsApi.as_view(), name="recommendations"),
    path("<str:code>/", views.ProductDetailApi.as_view(), name="detail"),
    path("<str:code>/quote/", views.ProductQuoteApi.as_view(), name="quote"),
]
