"""Product versions on the shared kernel: every lifecycle move runs through
`loanhub.transitions.run_transition` (row lock, state guard, named permission, event row in the
same transaction), and the catalogue's errors are the kernel's kinds (400/403/409)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django_fsm import has_transition_perm

from loanhub.errors import Conflict, DomainError, Forbidden, Invalid
from products import choices as c
from products import services
from products.models import ProductEvent, ProductVersion
from products.pricing import PricingError
from tests.products.factories import TODAY, UserFactory, role_users, version_in

pytestmark = pytest.mark.django_db
S = c.ProductStatus


@pytest.fixture
def users():
    return role_users()


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (services.ProductValidationError, Invalid, 400),
        (services.ProductComplianceError, Invalid, 400),
        (services.ProductPermissionError, Forbidden, 403),
        (services.ProductTransitionError, Conflict, 409),
        (PricingError, Invalid, 400),
    ],
)
def test_catalogue_errors_are_the_kernels_kinds(error, kind, status):
    assert issubclass(error, kind)
    assert issubclass(error, DomainError)
    assert kind.status_code == status


def test_a_refused_transition_is_a_409_with_the_current_state_and_changes_nothing(users):
    version = version_in(S.ACTIVE, maker=users["pm"])
    updated_at = version.updated_at
    with pytest.raises(services.ProductTransitionError) as refused:
        services.product_submit_for_review(version=version, actor=users["pm2"])
    assert refused.value.state == S.ACTIVE
    body = refused.value.body()
    assert (body["code"], body["state"]) == ("conflict", S.ACTIVE)
    assert "cannot submit" in body["errors"]["status"][0]
    version.refresh_from_db()
    assert (version.status, version.submitted_by, version.updated_at) == (S.ACTIVE, users["pm"], updated_at)
    assert not ProductEvent.objects.filter(version=version).exists()


def test_a_four_eyes_refusal_writes_no_event_and_keeps_the_live_version(users):
    # Given v1 live and v2 in review, created and submitted by pm
    v1 = version_in(S.ACTIVE, maker=users["pm"])
    v2 = version_in(S.IN_REVIEW, maker=users["pm"], product=v1.product, version=2)
    # When pm approves v2 it is refused (403) before anything moves
    with pytest.raises(services.ProductPermissionError) as refused:
        services.product_approve(version=v2, actor=users["pm"], on_date=TODAY)
    assert refused.value.status_code == 403
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (S.ACTIVE, S.IN_REVIEW)
    assert not ProductEvent.objects.exists()


def test_each_move_writes_one_event_with_actor_states_reason_and_payload(users):
    v1 = version_in(S.ACTIVE, maker=users["pm"])
    v2 = version_in(S.DRAFT, maker=users["pm"], product=v1.product, version=2)
    services.product_submit_for_review(version=v2, actor=users["pm"], reason="ready")
    services.product_approve(version=v2, actor=users["senior"], reason="checked", on_date=TODAY)

    submitted, activated = ProductEvent.objects.filter(version=v2).order_by("id")
    assert (submitted.actor, submitted.from_state, submitted.to_state, submitted.reason) == (
        users["pm"],
        S.DRAFT,
        S.IN_REVIEW,
        "ready",
    )
    assert (activated.actor, activated.from_state, activated.to_state, activated.reason) == (
        users["senior"],
        S.IN_REVIEW,
        S.ACTIVE,
        "checked",
    )
    compliance = activated.payload["compliance"]
    assert compliance["on_date"] == TODAY.isoformat()
    assert compliance["combinations_checked"] == 8
    assert {"worst_apr", "worst_installment_ratio", "worst_repayment_multiple"} <= set(compliance)
    assert activated.payload["replaced_version"] == 1
    # The version it replaced is retired by the same approver, with its own event
    (retired,) = ProductEvent.objects.filter(version=v1)
    assert (retired.actor, retired.from_state, retired.to_state, retired.reason) == (
        users["senior"],
        S.ACTIVE,
        S.RETIRED,
        "replaced by version 2",
    )
    v1.refresh_from_db()
    assert v1.retired_at is not None
    # simple-history keeps who made the change
    assert v2.history.latest().history_user == users["senior"]


def test_two_reviewers_approving_the_same_stale_version_give_one_activation(users):
    version = version_in(S.IN_REVIEW, maker=users["pm"])
    seen_by_pm2 = ProductVersion.objects.get(pk=version.pk)
    seen_by_senior = ProductVersion.objects.get(pk=version.pk)
    services.product_approve(version=seen_by_pm2, actor=users["pm2"], on_date=TODAY)
    with pytest.raises(services.ProductTransitionError) as refused:
        services.product_approve(version=seen_by_senior, actor=users["senior"], on_date=TODAY)
    assert refused.value.state == S.ACTIVE
    version.refresh_from_db()
    assert version.approved_by == users["pm2"]
    assert ProductEvent.objects.filter(version=version, to_state=S.ACTIVE).count() == 1


def test_permissions_are_named_permissions_not_roles(users):
    # A user in no role, granted the catalogue's change permission directly, may submit
    maker = UserFactory(username="direct")
    maker.user_permissions.add(Permission.objects.get(codename="change_productversion"))
    version = version_in(S.DRAFT, maker=maker)
    services.product_submit_for_review(version=version, actor=maker)
    assert version.status == S.IN_REVIEW
    # The transitions carry the same rule for the kernel (has_transition_perm)
    locked = ProductVersion.objects.get(pk=version.pk)
    assert has_transition_perm(locked.activate, users["senior"])
    assert has_transition_perm(locked.activate, users["pm2"])
    assert not has_transition_perm(locked.activate, users["officer"])
    assert not services.can_manage(users["senior"])
    assert services.can_review(users["senior"])
    # An inactive Product Manager may do nothing
    users["pm2"].is_active = False
    assert not services.can_manage(users["pm2"])


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_approval_on_postgres_gives_one_activation_and_one_409():
    """Two threads, two connections, one row lock: exactly one approval wins."""
    assert connection.vendor == "postgresql"
    users = role_users()
    version = version_in(S.IN_REVIEW, maker=users["pm"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor):
        from django.db import connections

        try:
            stale = ProductVersion.objects.get(pk=version.pk)
            barrier.wait(timeout=10)
            services.product_approve(version=stale, actor=actor, on_date=TODAY)
            outcomes.append("ok")
        except services.ProductTransitionError as exc:
            outcomes.append(f"refused:{exc.state}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(users[r],)) for r in ("pm2", "senior")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused:active"]
    assert ProductEvent.objects.filter(version=version, to_state=S.ACTIVE).count() == 1
