"""WSGI entry point (gunicorn loanhub.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from loanhub.config import exit_on_configuration_error, validate_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
exit_on_configuration_error(validate_environment)
application = get_wsgi_application()


if os.environ.get("LOANHUB_WARM_UP", "") == "1":
    from django.conf import settings
    from django.utils.module_loading import import_string

    from loanhub.warmup import warm_up

    # The pages are the business apps' to name (the kernel imports none of them).
    warm_up(application, import_string(settings.LOANHUB_WARM_UP_PATHS))
