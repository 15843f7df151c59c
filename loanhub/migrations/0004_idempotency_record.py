"""IdempotencyRecord enters the kernel's state; its table was renamed by applications 0005."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("loanhub", "0003_account_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("applications", "0005_idempotency_to_kernel"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=255, verbose_name="key")),
                        ("method", models.CharField(max_length=10, verbose_name="method")),
                        ("path", models.CharField(max_length=500, verbose_name="path")),
                        ("fingerprint", models.CharField(max_length=64, verbose_name="request fingerprint")),
                        (
                            "response_status",
                            models.PositiveSmallIntegerField(
                                blank=True, null=True, verbose_name="response status"
                            ),
                        ),
                        (
                            "response_body",
                            models.JSONField(blank=True, null=True, verbose_name="response body"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created"),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "idempotency record",
                        "verbose_name_plural": "idempotency records",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "key"), name="app_idempotency_user_key")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
