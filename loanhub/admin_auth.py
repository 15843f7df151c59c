"""Roles and permissions in the console's language.

Django stores a permission's name in English when it creates it ("Can add loan", from the model's
untranslated verbose name) and LoanHub's roles are groups named in English (`loanhub.roles`): the
rows stay as they are (other code finds groups by name), and the console shows them translated,
a standard permission rebuilt from its action and the model's translated name.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


# Apps of libraries whose names Django shows untranslated (no verbose name, or no Chinese
# catalogue), named here.
APP_NAMES = {
    "axes": _("log-in attempts"),
    "authtoken": _("Auth Token"),
}


def permission_label(permission) -> str:
    """The permission as "app | model | permission" in the page's language."""
    content_type = permission.content_type
    model = content_type.model_class()
    app = APP_NAMES.get(content_type.app_label)
    if app is None:
        try:
            app = apps.get_app_config(content_type.app_label).verbose_name
        except LookupError:
            app = content_type.app_label
    model_name = model._meta.verbose_name if model is not None else content_type.model
    recorded = getattr(model, "instance_type", None)  # django-simple-history's history of a model
    if recorded is not None:
        model_name = gettext("history of %(name)s") % {"name": recorded._meta.verbose_name}
    action, _sep, rest = permission.codename.partition("_")
    if action in ACTIONS and rest == content_type.model:
        name = ACTIONS[action] % {"name": model_name}
    else:
        name = gettext(permission.name) if permission.name else permission.codename
    return f"{app} | {model_name} | {name}"


def role_label(group) -> str:
    """A role's (group's) name in the page's language."""
    return gettext(group.name) if group.name else group.name  # gettext("") is the header


class TranslatedAuthChoices:
    """Mixin of the group and user admins: permissions listed in the page's language."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


def use_translated_role_names() -> None:
    """A group (a role) reads as its name in the page's language wherever the console names it
    (lists, filters, choices, titles); the row keeps the English name other code finds it by."""
    Group.__str__ = role_label


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(TranslatedAuthChoices, GroupAdmin):
    pass


# The roles' names (loanhub.roles) and the platform's capabilities, listed for the catalogue.
ROLE_NAMES = (
    gettext_noop("Customer"),
    gettext_noop("Loan Officer"),
    gettext_noop("Senior Approver"),
    gettext_noop("Risk Analyst"),
    gettext_noop("Product Manager"),
    gettext_noop("Marketing Manager"),
    gettext_noop("Auditor"),
    gettext_noop("Can reveal masked personal data (every reveal is audited)"),
    gettext_noop("Can read everything, read-only, with personal data masked"),
    gettext_noop("Can give the second approval where maker-checker applies"),
    gettext_noop("Can lift a log-in lockout of a user account (recorded)"),
)
