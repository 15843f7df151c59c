"""Scoring requests keep a reference to the customer and keyed hashes only: the raw identity
(identity number, phone, device id) is no longer stored, not even until scoring.

Existing requests are linked to the customer whose identity number has the request's hash (the
lowest id when one person has several profiles: they share the number the bureau is asked
about), the raw identity is blanked, then the column is dropped.
"""

import hashlib
import hmac

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _id_number_hash(value: str) -> str:
    # risk.identity.identifier_hash("id_number", value) as it is when this migration is written.
    normalised = "".join(str(value).split()).upper()
    message = f"id_number:{normalised}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def link_customers_and_blank_identity(apps, schema_editor):
    db = schema_editor.connection.alias
    ScoringRequest = apps.get_model("risk", "ScoringRequest")
    Customer = apps.get_model("customers", "Customer")
    unlinked = ScoringRequest.objects.using(db).filter(customer__isnull=True)
    wanted = set(unlinked.values_list("id_number_hash", flat=True))
    if wanted:
        customer_by_hash: dict[str, int] = {}
        rows = Customer.objects.using(db).order_by("pk").values_list("pk", "id_number")
        for pk, id_number in rows.iterator():
            digest = _id_number_hash(id_number or "")
            if digest in wanted:
                customer_by_hash.setdefault(digest, pk)
        for digest, pk in customer_by_hash.items():
            unlinked.filter(id_number_hash=digest).update(customer_id=pk)
    ScoringRequest.objects.using(db).update(identity={})


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_customer_event_claim"),
        ("risk", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="scoremodel",
            options={
                "ordering": ("-version",),
                "permissions": (("promote_scoremodel", "Can promote a score model to champion"),),
                "verbose_name": "score model",
                "verbose_name_plural": "score models",
            },
        ),
        migrations.AddField(
            model_name="scoringrequest",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="customer",
            ),
        ),
        migrations.RunPython(link_customers_and_blank_identity, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="scoringrequest",
            name="identity",
        ),
    ]
