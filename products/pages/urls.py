"""Customer catalogue pages, included by the root URLconf under /products/."""

from django.urls import path

from products.pages import views

app_name = "catalogue"

urlpatterns = [
    path("", views.product_list, name="list"),
    path("compare/", views.product_compare, name="compare"),
    path("recommend/", views.product_recommend, name="recommend"),
    path("terms-explained/", views.terms_explained, name="glossary"),
    path("<str:code>/", views.product_detail, name="detail"),
]
