"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from loanhub.config import exit_on_configuration_error, validate_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
exit_on_configuration_error(validate_environment)
application = get_asgi_application()
