"""WSGI entry point (gunicorn loanhub.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from loanhub.config import exit_on_configuration_error, validate_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
exit_on_configuration_error(validate_environment)
application = get_wsgi_application()

if os.environ.get("LOANHUB_WARM_UP", "") == "1":  # the public pages once, before serving
    from loanhub.warmup import warm_up

    warm_up(application)
