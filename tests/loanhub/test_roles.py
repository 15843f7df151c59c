"""Roles: the data migration creates every role with exactly the declared permissions."""

import pytest
from django.contrib.auth.models import Group, Permission

from loanhub import roles

pytestmark = pytest.mark.django_db


def _codes(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_every_role_exists_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
    assert len(roles.ALL_ROLES) == 7


def test_customers_hold_no_model_permissions():
    assert _codes(roles.CUSTOMER) == set()


def test_auditor_reads_everything_and_changes_nothing():
    codes = _codes(roles.AUDITOR)
    assert "loanhub.audit_read" in codes
    assert "loanhub.view_taskprobe" in codes
    assert "auth.view_user" in codes
    assert not [code for code in codes if code.split(".")[1].startswith(("add_", "change_", "delete_"))]
    # Masked by default: an auditor may not reveal personal data.
    assert "loanhub.reveal_pii" not in codes


def test_capabilities_are_granted_by_name_only():
    assert "loanhub.senior_approve" in _codes(roles.SENIOR_APPROVER)
    assert "loanhub.senior_approve" not in _codes(roles.LOAN_OFFICER)
    assert "loanhub.reveal_pii" in _codes(roles.LOAN_OFFICER)
    for role in (roles.RISK_ANALYST, roles.PRODUCT_MANAGER, roles.MARKETING_MANAGER, roles.CUSTOMER):
        assert not {"loanhub.reveal_pii", "loanhub.senior_approve"} & _codes(role), role


def test_sync_roles_is_idempotent_and_repairs_drift():
    auditor = Group.objects.get(name=roles.AUDITOR)
    expected = _codes(roles.AUDITOR)
    auditor.permissions.add(Permission.objects.get(codename="delete_user"))
    roles.sync_roles()
    roles.sync_roles()
    assert _codes(roles.AUDITOR) == expected
    assert Group.objects.filter(name=roles.AUDITOR).count() == 1
