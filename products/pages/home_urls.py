"""The site's home page (`/`): the catalogue's landing page, named `home`."""

from django.urls import path

from products.pages import views

urlpatterns = [path("", views.home, name="home")]
