"""The catalogue's panel of the console's start page (`loanhub.console`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loanhub import console, roles
from products import selectors


def _review(request) -> dict:
    return {"versions": selectors.product_versions_in_review()}


console.register(
    key="products",
    title=_("Products awaiting review"),
    roles=(roles.PRODUCT_MANAGER, roles.AUDITOR),
    template="admin/console/products.html",
    context=_review,
    order=40,
)
