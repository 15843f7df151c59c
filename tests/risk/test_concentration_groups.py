"""Customer-group limits (集团客户) at decision time: an application from a group's member that
would breach a hard group limit is referred (reason `concentration`), a soft one warns; a group
limit goes through the same maker-checker as every limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.models import Customer, CustomerGroup
from loanhub.errors import Invalid
from risk import concentration, services
from risk.choices import LimitStatus, Outcome
from risk.models import ConcentrationLimit, Decision
from tests.risk.conftest import GOOD_ID, create_request, scoring_customer

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def group():
    """G1 (two members elsewhere, 150,000 of a 1,000,000 book); the applicant joins it."""
    group = CustomerGroup.objects.create(code="G1", name="华东集团", kind="corporate")
    Customer.objects.filter(pk=scoring_customer(GOOD_ID).pk).update(group=group)
    return group


@pytest.fixture
def book():
    seen = []

    def source(*, dimension, key):
        seen.append((dimension, key))
        amount = {"customer_group": D("150000.00")}.get(dimension, D("0.00"))
        return concentration.Exposure(amount, D("1000000.00"))

    concentration.register_exposure_source(source)
    yield seen
    concentration.unregister_exposure_source(source)


@pytest.fixture
def seeded(champion):
    services.rule_seed_defaults()
    services.credit_file_upsert(
        id_number=GOOD_ID,
        credit_history="paid_duly",
        existing_credits=1,
        other_installment_plans="none",
        monthly_debt="500",
    )
    return champion


def _active(maker, checker, **fields) -> ConcentrationLimit:
    limit = concentration.limit_create(actor=maker, **fields)
    concentration.limit_submit(limit=limit, actor=maker)
    return concentration.limit_activate(limit=limit, actor=checker, reason="board limit")


def _decide(terms, capture) -> Decision:
    with capture(execute=True):
        request = create_request(terms)
    return Decision.objects.get(request=request)


def test_hard_group_limit_refers_a_members_application(
    seeded, terms, group, analyst, analyst2, book, django_capture_on_commit_callbacks
):
    limit = _active(
        analyst,
        analyst2,
        dimension="customer_group",
        key="G1",
        basis="share",
        threshold=D("0.15"),
        severity="hard",
    )
    decision = _decide(terms, django_capture_on_commit_callbacks)
    assert decision.outcome == Outcome.REFER
    assert (decision.reasons[0]["code"], decision.reasons[0]["outcome"]) == ("concentration", "refer")
    # (150,000 + L) / (1,000,000 + L) > 0.15 for any L > 0
    expected = (
        (D("150000.00") + decision.approved_limit) / (D("1000000.00") + decision.approved_limit)
    ).quantize(D("0.0001"))
    assert expected > D("0.15")
    assert decision.limit_basis["concentration"] == [
        {
            "limit": limit.pk,
            "dimension": "customer_group",
            "key": "G1",
            "severity": "hard",
            "basis": "share",
            "threshold": "0.1500",
            "value": str(expected),
        }
    ]
    assert ("customer_group", "G1") in book


def test_soft_limit_on_every_group_warns_and_no_group_is_not_checked(
    seeded, terms, group, analyst, analyst2, book, django_capture_on_commit_callbacks
):
    _active(
        analyst,
        analyst2,
        dimension="customer_group",
        key="",
        basis="amount",
        threshold=D("150000"),
        severity="soft",
    )
    CustomerGroup.objects.create(code="G9", name="别的", kind="related")
    _active(
        analyst,
        analyst2,
        dimension="customer_group",
        key="G9",
        basis="share",
        threshold=D("0.01"),
        severity="hard",
    )
    decision = _decide(terms, django_capture_on_commit_callbacks)
    # 150,000 + L > 150,000: a flag, not a referral; G9's hard limit is another group's
    assert decision.outcome == Outcome.APPROVE
    assert [(r["code"], r["outcome"]) for r in decision.reasons if r["code"] == "concentration"] == [
        ("concentration", "flag")
    ]
    assert decision.limit_basis["concentration"][0]["key"] == "G1"

    Customer.objects.filter(group=group).update(group=None)
    book.clear()
    decision = _decide(terms, django_capture_on_commit_callbacks)
    assert "concentration" not in decision.limit_basis
    assert all(dimension != "customer_group" for dimension, _key in book)


def test_group_limit_names_an_existing_group(analyst):
    with pytest.raises(Invalid) as error:
        concentration.limit_create(
            actor=analyst,
            dimension="customer_group",
            key="NOPE",
            basis="share",
            threshold=D("0.1"),
            severity="hard",
        )
    assert set(error.value.errors) == {"key"}
    assert ConcentrationLimit.objects.count() == 0


def test_changing_a_group_limit_is_maker_checker(client, group, analyst, analyst2):
    old = _active(
        analyst,
        analyst2,
        dimension="customer_group",
        key="G1",
        basis="share",
        threshold=D("0.20"),
        severity="hard",
    )
    client.force_login(analyst)
    response = client.post(
        "/admin/risk/concentrationlimit/add/",
        {
            "dimension": "customer_group",
            "key": "G1",
            "basis": "share",
            "threshold": "0.15",
            "severity": "hard",
        },
    )
    assert response.status_code == 302
    new = ConcentrationLimit.objects.exclude(pk=old.pk).get()
    changelist = "/admin/risk/concentrationlimit/"
    client.post(changelist, {"action": "submit_limits", "_selected_action": [new.pk]})
    client.post(changelist, {"action": "activate_limits", "_selected_action": [new.pk]})
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status) == (LimitStatus.PENDING, LimitStatus.ACTIVE)  # not by its maker
    client.force_login(analyst2)
    client.post(changelist, {"action": "activate_limits", "_selected_action": [new.pk]})
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, new.approved_by, old.status) == (LimitStatus.ACTIVE, analyst2, LimitStatus.RETIRED)
    assert concentration.limits_active() == [new]
