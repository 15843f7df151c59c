"""Product lifecycle: every transition from every state by every role, four eyes, events,
versioning (edit = new draft version; activation retires the previous one) and version pinning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from products import choices as c
from products import selectors, services
from products.models import ProductEvent, ProductVersion
from tests.products.factories import TODAY, FeeFactory, UserFactory, role_users, version_in

pytestmark = pytest.mark.django_db
S = c.ProductStatus

# action → (service call, allowed source state, target state)
ACTIONS = {
    "submit": (S.DRAFT, S.IN_REVIEW),
    "return_to_draft": (S.IN_REVIEW, S.DRAFT),
    "approve": (S.IN_REVIEW, S.ACTIVE),
    "suspend": (S.ACTIVE, S.SUSPENDED),
    "resume": (S.SUSPENDED, S.ACTIVE),
    "retire": (S.ACTIVE, S.RETIRED),
}
# Who may do each action (the maker "pm" created and submitted every version).
ALLOWED_ROLES = {
    "submit": {"pm", "pm2"},
    "return_to_draft": {"pm", "pm2", "senior"},
    "approve": {"pm2", "senior"},  # not pm: four eyes
    "suspend": {"pm", "pm2", "senior"},
    "resume": {"pm", "pm2", "senior"},
    "retire": {"pm", "pm2", "senior"},
}
ROLES = ("pm", "pm2", "senior", "officer", "analyst", "marketing", "auditor", "customer", "anonymous")


def _call(action: str, version: ProductVersion, actor):
    kwargs = {"version": version, "actor": actor, "reason": "because"}
    if action in ("approve", "resume"):
        kwargs["on_date"] = TODAY
    return services.TRANSITIONS[action](**kwargs)


@pytest.fixture
def users():
    found = role_users()
    found["anonymous"] = AnonymousUser()
    return found


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_transition_matrix_by_role(users, action, role):
    # Given a version in the action's source state, made and submitted by pm
    source, target = ACTIONS[action]
    version = version_in(source, maker=users["pm"])
    events_before = ProductEvent.objects.count()

    # When the role attempts the action
    if role in ALLOWED_ROLES[action]:
        _call(action, version, users[role])
        # Then it moves and one event names the actor and both states
        version.refresh_from_db()
        assert version.status == target
        event = ProductEvent.objects.filter(version=version).latest("id")
        assert (event.from_state, event.to_state, event.actor) == (source, target, users[role])
        assert event.reason == "because"
    else:
        with pytest.raises(services.ProductPermissionError):
            _call(action, version, users[role])
        # Then nothing changed
        version.refresh_from_db()
        assert version.status == source
        assert ProductEvent.objects.count() == events_before


def _illegal_pairs():
    """Every (action, state) pair that is not a legal transition; legal ones are in the matrix."""
    for action in sorted(ACTIONS):
        source, _ = ACTIONS[action]
        legal_sources = {source} | ({S.SUSPENDED} if action == "retire" else set())
        for state in S:
            if state not in legal_sources:
                yield action, state.value


@pytest.mark.parametrize(("action", "state"), list(_illegal_pairs()))
def test_every_illegal_transition_is_refused(users, action, state):
    version = version_in(state, maker=users["pm"])
    with pytest.raises(services.ProductTransitionError) as refused:
        _call(action, version, users["pm2"])
    assert refused.value.state == state  # 409 with the current state
    version.refresh_from_db()
    assert version.status == state
    assert not ProductEvent.objects.filter(version=version).exists()


def test_retire_from_suspended(users):
    version = version_in(S.SUSPENDED, maker=users["pm"])
    services.product_retire(version=version, actor=users["pm2"], reason="withdrawn")
    assert version.status == S.RETIRED
    assert version.retired_at is not None


def test_four_eyes_the_creator_cannot_approve_even_if_someone_else_submitted(users):
    # Given pm created the version and pm2 submitted it
    version = version_in(S.DRAFT, maker=users["pm"])
    services.product_submit_for_review(version=version, actor=users["pm2"])
    # When either of them approves, it is refused; a senior approver may approve
    for actor in (users["pm"], users["pm2"]):
        with pytest.raises(
            services.ProductPermissionError, match="second Product Manager or a Senior Approver"
        ):
            services.product_approve(version=version, actor=actor, on_date=TODAY)
        version.refresh_from_db()
        assert version.status == S.IN_REVIEW
        assert version.approved_by is None
    services.product_approve(version=version, actor=users["senior"], on_date=TODAY)
    assert version.status == S.ACTIVE
    assert version.approved_by == users["senior"]
    assert version.submitted_by == users["pm2"]


def test_superuser_is_still_bound_by_four_eyes(users):
    boss = UserFactory(username="root", is_superuser=True)
    version = version_in(S.DRAFT, maker=boss)
    services.product_submit_for_review(version=version, actor=boss)
    with pytest.raises(services.ProductPermissionError):
        services.product_approve(version=version, actor=boss, on_date=TODAY)


def test_reasons_are_required_to_return_suspend_and_retire(users):
    in_review = version_in(S.IN_REVIEW, maker=users["pm"])
    active = version_in(S.ACTIVE, maker=users["pm"])
    with pytest.raises(services.ProductValidationError):
        services.product_return_to_draft(version=in_review, actor=users["pm2"], reason=" ")
    with pytest.raises(services.ProductValidationError):
        services.product_suspend(version=active, actor=users["pm2"], reason="")
    with pytest.raises(services.ProductValidationError):
        services.product_retire(version=active, actor=users["pm2"], reason="")
    assert (in_review.status, active.status) == (S.IN_REVIEW, S.ACTIVE)


def test_only_drafts_are_edited(users):
    for state in (S.IN_REVIEW, S.ACTIVE, S.SUSPENDED, S.RETIRED):
        version = version_in(state, maker=users["pm"])
        with pytest.raises(services.ProductTransitionError):
            services.product_version_update(
                version=version, actor=users["pm"], terms={"amount_max": Decimal("900000.00")}
            )
        version.refresh_from_db()
        assert version.amount_max == Decimal("500000.00")
    draft = version_in(S.DRAFT, maker=users["pm"])
    with pytest.raises(services.ProductPermissionError):
        services.product_version_update(version=draft, actor=users["senior"], terms={"term_max": 48})
    services.product_version_update(version=draft, actor=users["pm2"], terms={"term_max": 48})
    draft.refresh_from_db()
    assert draft.term_max == 48


def test_edit_creates_next_draft_and_activation_retires_previous_version(users):
    # Given an active version 1
    v1 = version_in(S.ACTIVE, maker=users["pm"])
    FeeFactory(version=v1, code="service", amount=Decimal("300.00"))
    # When pm edits the product
    v2 = services.product_new_version(product=v1.product, actor=users["pm"])
    # Then version 2 is a draft copy; version 1 is still active and untouched
    assert (v2.version, v2.status) == (2, S.DRAFT)
    assert selectors.product_version_diff(v1, v2) == []
    with pytest.raises(services.ProductTransitionError, match="already draft"):
        services.product_new_version(product=v1.product, actor=users["pm"])
    # When v2 is changed, submitted and approved by a second manager
    services.product_version_update(
        version=v2,
        actor=users["pm"],
        terms={"amount_max": Decimal("800000.00"), "max_exposure_per_customer": Decimal("800000.00")},
    )
    services.product_submit_for_review(version=v2, actor=users["pm"])
    services.product_approve(version=v2, actor=users["pm2"], on_date=TODAY)
    # Then v2 is active and v1 retired, with an event saying why
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (S.RETIRED, S.ACTIVE)
    assert ProductEvent.objects.filter(
        version=v1, to_state=S.RETIRED, reason="replaced by version 2"
    ).exists()
    assert selectors.product_get_offered(code=v1.product.code) == v2
    assert ProductVersion.objects.filter(product=v1.product, status__in=c.LIVE_STATES).count() == 1


def test_editing_a_product_changes_none_of_the_terms_of_an_existing_version(users):
    # Given version 1 active — an application or loan holds a foreign key to it
    v1 = version_in(S.ACTIVE, maker=users["pm"])
    FeeFactory(version=v1, code="service", amount=Decimal("300.00"))
    pinned_pk = v1.pk
    before = selectors.product_version_definition(ProductVersion.objects.get(pk=pinned_pk))

    # When every kind of term is changed in a new version and that version is activated
    v2 = services.product_new_version(product=v1.product, actor=users["pm"])
    services.product_version_update(
        version=v2,
        actor=users["pm"],
        terms={"amount_min": Decimal("20000.00"), "name_en": "Renamed", "max_dti": Decimal("0.4")},
        pricing_grid=[
            {
                "risk_grade": g,
                "term_min": 6,
                "term_max": 60,
                "annual_rate": Decimal("0.05"),
                "spread_bps": None,
            }
            for g in c.RISK_GRADES
        ],
        fees=[
            {
                "code": "service",
                "name_zh": "服务费",
                "name_en": "Service fee",
                "fee_type": "upfront",
                "amount": Decimal("500.00"),
            }
        ],
    )
    services.product_submit_for_review(version=v2, actor=users["pm"])
    services.product_approve(version=v2, actor=users["senior"], on_date=TODAY)

    # Then the pinned version's terms, grid and fees are exactly as they were (only its status moved)
    after = selectors.product_version_definition(ProductVersion.objects.get(pk=pinned_pk))
    assert after.pop("status") == S.RETIRED
    before.pop("status")
    assert after == before
    changed = {change.path for change in selectors.product_version_diff(v1, v2)}
    assert {"terms.amount_min", "terms.name_en", "terms.max_dti", "fees.service.amount"} <= changed
    assert "pricing_grid.A 6-60.annual_rate" in changed


def test_history_records_who_changed_what(users):
    draft = version_in(S.DRAFT, maker=users["pm"])
    services.product_version_update(version=draft, actor=users["pm2"], terms={"term_max": 48})
    record = draft.history.latest()
    assert record.history_user == users["pm2"]
    previous = record.prev_record
    delta = record.diff_against(previous)
    assert [(ch.field, ch.old, ch.new) for ch in delta.changes] == [("term_max", 60, 48)]


def test_product_create_starts_a_draft_family(users):
    version = services.product_create(
        actor=users["pm"],
        code="new-one",
        terms={
            "name_zh": "新产品",
            "name_en": "New",
            "category": "travel",
            "channels": ["web"],
            "available_from": dt.date(2026, 1, 1),
            "amount_min": Decimal("1000.00"),
            "amount_max": Decimal("5000.00"),
            "term_min": 3,
            "term_max": 12,
            "repayment_methods": ["annuity"],
            "frequencies": ["monthly"],
            "default_method": "annuity",
            "representative_amount": Decimal("3000.00"),
            "representative_term": 6,
            "rate_type": "fixed",
            "customer_types": ["individual"],
            "max_exposure_per_customer": Decimal("5000.00"),
        },
        pricing_grid=[
            {"risk_grade": g, "term_min": 3, "term_max": 12, "annual_rate": Decimal("0.1")} for g in "ABCDE"
        ],
    )
    assert (version.product.code, version.version, version.status) == ("NEW-ONE", 1, S.DRAFT)
    assert version.pricing_tiers.count() == 5
    with pytest.raises(services.ProductValidationError):
        services.product_create(actor=users["pm"], code="NEW-ONE", terms={}, pricing_grid=[])
    with pytest.raises(services.ProductPermissionError):
        services.product_create(actor=users["senior"], code="OTHER", terms={}, pricing_grid=[])
