#!/usr/bin/env python
"""Django's command-line utility for LoanHub."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
    from django.core.management import execute_from_command_line

    from loanhub.config import exit_on_configuration_error, validate_environment

    exit_on_configuration_error(validate_environment)
    exit_on_configuration_error(lambda: execute_from_command_line(sys.argv))


if __name__ == "__main__":
    main()
