"""WSGI entry point (gunicorn loanhub.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from loanhub.config import exit_on_configuration_error, validate_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
exit_on_configuration_error(validate_environment)
application = get_wsgi_application()


def public_paths() -> list[str]:
    """The public pages a server process renders once before it serves (LOANHUB_WARM_UP=1)."""
    from products import selectors

    codes = [version.product.code for version in selectors.product_list_active()]
    return ["/", "/products/", "/calculator/", *(f"/products/{code}/" for code in codes)]


if os.environ.get("LOANHUB_WARM_UP", "") == "1":
    from loanhub.warmup import warm_up

    warm_up(application, public_paths)
