"""The brief's segments as presets (rules in marketing.rules.PRESETS, copied here as data)."""

from django.db import migrations

PRESETS = {
    "sme": ("Small and micro enterprises", {"customer_types": ["small_business"]}),
    "sole_proprietors": ("Sole proprietors", {"customer_types": ["sole_proprietor"]}),
    "salaried": ("Salaried workers", {"employment_types": ["salaried"]}),
    "investors": (
        "Investors",
        {"employment_types": ["business_owner", "self_employed"], "income_min": "30000"},
    ),
    "young_professionals": (
        "Young professionals",
        {"employment_types": ["salaried"], "age_min": 22, "age_max": 35},
    ),
    "high_net_worth": ("High-net-worth customers", {"tags": ["high_net_worth"]}),
}


def create(apps, schema_editor):
    Segment = apps.get_model("marketing", "Segment")
    for key, (name, rules) in PRESETS.items():
        Segment.objects.get_or_create(preset=key, defaults={"name": name, "rules": rules})


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_segments_campaigns_touches")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
