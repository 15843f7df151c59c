"""Demo app: the seed data `make run` shows, built only through the other apps' services."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and the `seed_demo` command; sits above every business app, nothing imports it."""

    name = "demo"
    verbose_name = "LoanHub demo data"
