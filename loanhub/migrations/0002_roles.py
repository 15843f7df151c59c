"""Create the platform roles (groups) and capabilities, and grant what exists so far.

Permissions of models that later migrations add are granted by loanhub.roles.sync_roles after
each `migrate` (post_migrate), from the same declaration in loanhub/roles.py.
"""

from django.db import migrations

from loanhub.roles import ALL_ROLES, CAPABILITIES


def create_roles(apps, schema_editor):
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    content_type, _ = content_type_model.objects.get_or_create(app_label="loanhub", model="capability")
    for codename, name in CAPABILITIES:
        permission_model.objects.update_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    from loanhub.roles import sync_roles

    sync_roles(group_model, permission_model)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ALL_ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("loanhub", "0001_kernel"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
