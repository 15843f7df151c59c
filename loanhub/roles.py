"""Roles (Django groups) and what each may do, declared once for the whole platform.

A role's permissions are patterns over "app_label.codename" (fnmatch syntax), so that a model
added by a later app is granted to the right roles as soon as its migration creates its
permissions. `sync_roles()` makes the database match this module exactly; it runs in the data
migration that creates the roles and after every `migrate`. Object-level rules (a customer sees
only their own data, the maker is not the checker) are enforced by services, not by groups.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

CUSTOMER = "Customer"
LOAN_OFFICER = "Loan Officer"
SENIOR_APPROVER = "Senior Approver"
RISK_ANALYST = "Risk Analyst"
PRODUCT_MANAGER = "Product Manager"
MARKETING_MANAGER = "Marketing Manager"
AUDITOR = "Auditor"

ALL_ROLES = (
    CUSTOMER,
    LOAN_OFFICER,
    SENIOR_APPROVER,
    RISK_ANALYST,
    PRODUCT_MANAGER,
    MARKETING_MANAGER,
    AUDITOR,
)
STAFF_ROLES = tuple(role for role in ALL_ROLES if role != CUSTOMER)

# Platform capabilities that belong to no single model (codename, description).
CAPABILITIES = (
    ("reveal_pii", "Can reveal masked personal data (every reveal is audited)"),
    ("audit_read", "Can read everything, read-only, with personal data masked"),
    ("senior_approve", "Can give the second approval where maker-checker applies"),
    ("unlock_account", "Can lift a log-in lockout of a user account (recorded)"),
)

BUSINESS_APPS = (
    "notifications",
    "products",
    "customers",
    "risk",
    "applications",
    "servicing",
    "monitoring",
    "marketing",
    "rewards",  # marketing.rewards (its own app label)
)
_VIEW_BUSINESS = tuple(f"{app}.view_*" for app in BUSINESS_APPS)

# Early warnings and collections are named for risk analysts, officers and auditors (issue 15):
# a role that views the business for another purpose (product managers) does not read them.
# Patterns in ROLE_EXCLUSIONS take permissions back from what a role's patterns grant.
_WARNINGS_AND_COLLECTIONS = (
    "monitoring.*_earlywarning",
    "monitoring.*_earlywarningevent",
    "servicing.*_collectioncase",
    "servicing.*_collectioncaseevent",
    "servicing.*_collectionqueue",
    "servicing.*_promisetopay",
    "servicing.*_contactattempt",
    "servicing.*_dunningstep",
    "servicing.*_dunningnotice",
)

_OFFICER = (
    *_VIEW_BUSINESS,
    "customers.change_*",
    "customers.add_*",
    "applications.change_*",
    "applications.add_*",
    "servicing.change_*",
    "servicing.add_*",
    # Officers work the early-warning queue (acknowledge, contact, action, close).
    "monitoring.change_earlywarning",
    "loanhub.reveal_pii",
    "loanhub.unlock_account",
    "loanhub.view_accountevent",
    # CRM (marketing): follow-up tasks and the contact log.
    "marketing.add_followup",
    "marketing.change_followup",
    "marketing.add_contactentry",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Customers act through the portal and API, where every object is checked against its owner.
    CUSTOMER: (),
    LOAN_OFFICER: _OFFICER,
    SENIOR_APPROVER: (*_OFFICER, "loanhub.senior_approve"),
    RISK_ANALYST: (
        *_VIEW_BUSINESS,
        "risk.*",
        "django_celery_beat.view_*",
        # The early-warning signal weights and the flagged industries and regions are theirs.
        "monitoring.change_signalweight",
        "monitoring.*_flaggedsegment",
    ),
    # Product managers triage customers' suggestions (marketing's CRM queue); they read the
    # portfolio dashboards but not the early warnings or collections (ROLE_EXCLUSIONS).
    PRODUCT_MANAGER: ("products.*", "products.view_*", *_VIEW_BUSINESS, "marketing.change_suggestion"),
    MARKETING_MANAGER: (
        "marketing.*",
        "rewards.*",
        "notifications.view_*",
        "products.view_*",
        "customers.view_*",
    ),
    AUDITOR: (
        *_VIEW_BUSINESS,
        "loanhub.view_*",
        "loanhub.audit_read",
        "auth.view_*",
        "django_celery_beat.view_*",
        "authtoken.view_*",
    ),
}

ROLE_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    PRODUCT_MANAGER: _WARNINGS_AND_COLLECTIONS,
}

# Capabilities that must never be matched by a broad pattern: they are granted by name only.
_NAMED_ONLY = {f"loanhub.{codename}" for codename, _ in CAPABILITIES}


def _matches(key: str, patterns: tuple[str, ...], excluded: tuple[str, ...] = ()) -> bool:
    if key in _NAMED_ONLY:
        return key in patterns
    if any(fnmatchcase(key, pattern) for pattern in excluded):
        return False
    return any(fnmatchcase(key, pattern) for pattern in patterns)


def role_grants(role: str, key: str) -> bool:
    """Whether `role` holds the permission "app_label.codename" (as `sync_roles` gives it)."""
    return _matches(key, ROLE_PERMISSIONS[role], ROLE_EXCLUSIONS.get(role, ()))


def sync_roles(group_model=None, permission_model=None) -> None:
    """Create every role and give it exactly the permissions ROLE_PERMISSIONS resolves to."""
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    permissions = list(
        permission_model.objects.select_related("content_type").values_list(
            "id", "content_type__app_label", "codename"
        )
    )
    for role in ALL_ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        patterns, excluded = ROLE_PERMISSIONS[role], ROLE_EXCLUSIONS.get(role, ())
        wanted = [
            pk for pk, app, codename in permissions if _matches(f"{app}.{codename}", patterns, excluded)
        ]
        group.permissions.set(wanted)


def sync_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver: runs once, after the last app's permissions were created."""
    from django.apps import apps as global_apps

    # Django sends post_migrate only to apps with a models module (`demo` has none).
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if sender.label == with_models[-1].label:
        sync_roles()
