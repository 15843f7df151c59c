"""Seeds business rubric v1 as published (the system's, reviewed in the pull request that adds it)."""

from django.db import migrations

from risk.business.rubric_v1 import RUBRIC_V1


def seed(apps, schema_editor):
    BusinessRubric = apps.get_model("risk", "BusinessRubric")
    if BusinessRubric.objects.exists():
        return
    BusinessRubric.objects.create(
        version=1,
        status="published",
        definition=RUBRIC_V1,
        note="v1: expert weights (no public training set of Chinese small-business defaults).",
    )


def unseed(apps, schema_editor):
    apps.get_model("risk", "BusinessRubric").objects.filter(version=1, ratings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0005_business_rating")]

    operations = [migrations.RunPython(seed, unseed)]
