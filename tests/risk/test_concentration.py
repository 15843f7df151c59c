"""Concentration limits: limits as data with maker-checker activation, the share and amount
measured by hand, and the decision-time check that refers an application breaching a hard limit
(reason `concentration`) and only warns for a soft one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanhub.errors import Conflict, Forbidden, Invalid
from risk import concentration, services
from risk.choices import LimitStatus, Outcome
from risk.models import ConcentrationLimit, Decision
from tests.risk.conftest import create_request

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def book():
    """An exposure source standing in for monitoring: 250,000 of a 1,000,000 book in the product
    CONSUMER-GENERAL, 40,000 with any one borrower."""
    seen = []

    def source(*, dimension, key):
        seen.append((dimension, key))
        amount = {"product": D("250000.00"), "borrower": D("40000.00")}.get(dimension, D("0.00"))
        return concentration.Exposure(amount, D("1000000.00"))

    concentration.register_exposure_source(source)
    yield seen
    concentration.unregister_exposure_source(source)


def _active(maker, checker, **fields) -> ConcentrationLimit:
    limit = concentration.limit_create(actor=maker, **fields)
    concentration.limit_submit(limit=limit, actor=maker)
    return concentration.limit_activate(limit=limit, actor=checker, reason="board limit")


def test_share_and_amount_by_hand(analyst, analyst2):
    share = concentration.limit_create(
        actor=analyst, dimension="product", key="P", basis="share", threshold=D("0.25"), severity="hard"
    )
    exposure = concentration.Exposure(D("250000.00"), D("1000000.00"))
    # (250,000 + 50,000) / (1,000,000 + 50,000) = 0.285714… → 0.2857
    assert concentration.measure(share, exposure, extra=D("50000")) == D("0.2857")
    assert concentration.measure(share, exposure) == D("0.2500")
    assert not concentration.breaches(share, D("0.2500"))  # at the limit is within it
    assert concentration.breaches(share, D("0.2501"))
    amount = concentration.limit_create(
        actor=analyst, dimension="borrower", key="", basis="amount", threshold=D("80000"), severity="hard"
    )
    assert concentration.measure(amount, concentration.Exposure(D("40000"), D("1")), extra=D("50000")) == D(
        "90000"
    )


def test_maker_checker(analyst, analyst2, officer):
    limit = concentration.limit_create(
        actor=analyst, dimension="region", key="上海", basis="share", threshold=D("0.30"), severity="soft"
    )
    assert limit.status == LimitStatus.DRAFT
    with pytest.raises(Conflict):  # not submitted yet
        concentration.limit_activate(limit=limit, actor=analyst2)
    concentration.limit_submit(limit=limit, actor=analyst)
    with pytest.raises(Conflict):  # the maker may not check their own limit
        concentration.limit_activate(limit=limit, actor=analyst)
    with pytest.raises(Forbidden):
        concentration.limit_activate(limit=limit, actor=officer)
    limit = concentration.limit_activate(limit=limit, actor=analyst2, reason="approved")
    assert (limit.status, limit.approved_by) == (LimitStatus.ACTIVE, analyst2)
    assert [e.to_state for e in limit.events.order_by("pk")] == [LimitStatus.PENDING, LimitStatus.ACTIVE]

    # A new limit for the same slice retires the old one when it is activated.
    newer = _active(
        analyst2, analyst, dimension="region", key="上海", basis="share", threshold=D("0.20"), severity="soft"
    )
    limit.refresh_from_db()
    assert limit.status == LimitStatus.RETIRED
    assert concentration.limits_active() == [newer]


def test_bad_limits_are_field_errors(analyst, officer):
    with pytest.raises(Forbidden):
        concentration.limit_create(
            actor=officer, dimension="product", key="P", basis="share", threshold=D("0.2"), severity="hard"
        )
    with pytest.raises(Invalid) as error:
        concentration.limit_create(
            actor=analyst, dimension="planet", key="", basis="share", threshold=D("1.5"), severity="loud"
        )
    assert set(error.value.errors) == {"dimension", "threshold", "severity"}
    with pytest.raises(Invalid) as error:
        concentration.limit_create(
            actor=analyst, dimension="borrower", key="42", basis="amount", threshold=D("1"), severity="hard"
        )
    assert set(error.value.errors) == {"key"}
    assert ConcentrationLimit.objects.count() == 0


@pytest.fixture
def seeded(champion):
    services.rule_seed_defaults()
    services.credit_file_upsert(
        id_number="110101199001010000",
        credit_history="paid_duly",
        existing_credits=1,
        other_installment_plans="none",
        monthly_debt="500",
    )
    return champion


def _decide(terms, capture) -> Decision:
    with capture(execute=True):
        request = create_request(terms)
    return Decision.objects.get(request=request)


def test_hard_breach_refers_the_application(
    seeded, terms, analyst, analyst2, book, django_capture_on_commit_callbacks
):
    baseline = _decide(terms, django_capture_on_commit_callbacks)
    assert baseline.outcome == Outcome.APPROVE
    limit = _active(
        analyst,
        analyst2,
        dimension="product",
        key=terms.product_code,
        basis="share",
        threshold=D("0.25"),
        severity="hard",
    )
    decision = _decide(terms, django_capture_on_commit_callbacks)
    assert decision.outcome == Outcome.REFER
    reason = decision.reasons[0]
    assert (reason["code"], reason["outcome"]) == ("concentration", "refer")
    expected = (
        (D("250000.00") + decision.approved_limit) / (D("1000000.00") + decision.approved_limit)
    ).quantize(D("0.0001"))
    assert decision.limit_basis["concentration"] == [
        {
            "limit": limit.pk,
            "dimension": "product",
            "key": terms.product_code,
            "severity": "hard",
            "basis": "share",
            "threshold": "0.2500",
            "value": str(expected),
        }
    ]
    assert ("product", terms.product_code) in book


def test_soft_breach_warns_and_other_slices_do_not_count(
    seeded, terms, analyst, analyst2, book, django_capture_on_commit_callbacks
):
    _active(
        analyst, analyst2, dimension="borrower", key="", basis="amount", threshold=D("60000"), severity="soft"
    )
    _active(
        analyst,
        analyst2,
        dimension="product",
        key="OTHER",
        basis="share",
        threshold=D("0.01"),
        severity="hard",
    )
    decision = _decide(terms, django_capture_on_commit_callbacks)
    assert decision.outcome == Outcome.APPROVE
    assert [(r["code"], r["outcome"]) for r in decision.reasons if r["code"] == "concentration"] == [
        ("concentration", "flag")
    ]
    assert all(dimension != "product" for dimension, _key in book)


def test_no_exposure_source_checks_nothing(
    seeded, terms, analyst, analyst2, django_capture_on_commit_callbacks
):
    registered = list(concentration._sources)
    concentration._sources.clear()
    try:
        _active(
            analyst,
            analyst2,
            dimension="product",
            key=terms.product_code,
            basis="share",
            threshold=D("0.0001"),
            severity="hard",
        )
        assert _decide(terms, django_capture_on_commit_callbacks).outcome == Outcome.APPROVE
    finally:
        concentration._sources.extend(registered)


def test_admin_maker_checker(client, analyst, analyst2):
    client.force_login(analyst)
    response = client.post(
        "/admin/risk/concentrationlimit/add/",
        {"dimension": "product", "key": "P1", "basis": "share", "threshold": "0.25", "severity": "hard"},
    )
    assert response.status_code == 302
    limit = ConcentrationLimit.objects.get()
    assert (limit.created_by, limit.status) == (analyst, LimitStatus.DRAFT)
    changelist = "/admin/risk/concentrationlimit/"
    client.post(changelist, {"action": "submit_limits", "_selected_action": [limit.pk]})
    client.post(changelist, {"action": "activate_limits", "_selected_action": [limit.pk]})
    limit.refresh_from_db()
    assert limit.status == LimitStatus.PENDING  # the maker may not activate
    client.force_login(analyst2)
    client.post(changelist, {"action": "activate_limits", "_selected_action": [limit.pk]})
    limit.refresh_from_db()
    assert (limit.status, limit.approved_by) == (LimitStatus.ACTIVE, analyst2)
