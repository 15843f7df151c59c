"""Calculator app.

The public loan calculator: its pages (/calculator/, with CSV and Excel downloads and inline
SVG charts) and its API (/api/v1/calculator/: schedule, prepayment, revolving line, APR), on
`products.engine`. It stores nothing, and it must not import applications, servicing, customers
or risk.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalculatorConfig(AppConfig):
    """Calculator: see the module docstring for what this app owns."""

    name = "calculator"
    verbose_name = _("Calculator")
