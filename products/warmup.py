"""The public pages a server process renders once before it serves (LOANHUB_WARM_UP=1): named by
the setting LOANHUB_WARM_UP_PATHS, which the kernel's entry point (loanhub/wsgi.py) imports by
name, as Django does its URLconf, since the kernel imports no business app."""

from __future__ import annotations


def public_paths() -> list[str]:
    from products import selectors

    codes = [version.product.code for version in selectors.product_list_active()]
    return ["/", "/products/", "/calculator/", *(f"/products/{code}/" for code in codes)]
