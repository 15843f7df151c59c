"""One portfolio day's row in the console (read-only): its stored codes as labels, its amounts in
yuan as the page's language writes them."""

from __future__ import annotations

from django.contrib import admin

from loanhub.admin_labels import money
from monitoring.models import PortfolioDay
from products.choices import Category, Channel, CustomerType
from servicing.choices import Classification

LABELLED = {  # field → the choices whose labels it shows
    "category": Category,
    "customer_type": CustomerType,
    "channel": Channel,
    "classification": Classification,
}
AMOUNTS = ("balance", "overdue", "reserve")


def _label_display(name: str, choices):
    def shown(self, obj):
        return dict(choices.choices).get(getattr(obj, name), getattr(obj, name))

    return admin.display(description=PortfolioDay._meta.get_field(name).verbose_name)(shown)


def _money_display(name: str):
    def shown(self, obj):
        return money(getattr(obj, name))

    return admin.display(description=PortfolioDay._meta.get_field(name).verbose_name)(shown)


def _bucket(self, obj):
    from monitoring.admin import bucket_label

    return bucket_label(obj.delinquency_bucket)


class PortfolioDayFields:
    """Mixin of the portfolio day's admin: the fields of its read-only page."""

    def get_fields(self, request, obj=None):
        shown = {**{n: f"{n}_label" for n in LABELLED}, **{n: f"{n}_amount" for n in AMOUNTS}}
        shown["delinquency_bucket"] = "bucket_label"
        return [shown.get(f.name, f.name) for f in PortfolioDay._meta.concrete_fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    locals().update({f"{name}_label": _label_display(name, choices) for name, choices in LABELLED.items()})
    locals().update({f"{name}_amount": _money_display(name) for name in AMOUNTS})
    bucket_label = admin.display(description=PortfolioDay._meta.get_field("delinquency_bucket").verbose_name)(
        _bucket
    )
