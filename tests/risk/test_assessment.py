"""Impact assessments (PIPL art. 55): fairness by age band and region computed from the decisions
available for a model and checked by hand, four-eyes sign-off, and no promotion without it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from loanhub.errors import Conflict, Forbidden, Invalid
from risk import assessment, services
from risk.choices import ModelStatus
from risk.fairness import Row, age_band, fairness_summary
from risk.models import Decision, ImpactAssessment, ScoreModel, ScoringRequest
from tests.customers.factories import CustomerFactory
from tests.risk.factories import signed_assessment

pytestmark = pytest.mark.django_db
PURPOSE = "Decide consumer loans."
DATA = "Applicant facts, profile, bureau file."

# (age, region, outcome, PD): worked by hand below.
FIXTURE = [
    (22, "Beijing", "approve", "0.10"),
    (23, "Beijing", "decline", "0.30"),
    (30, "Beijing", "approve", "0.05"),
    (31, "Shanghai", "approve", "0.07"),
    (33, "Shanghai", "refer", "0.21"),
    (70, "", "approve", "0.02"),
]


def _decide(model: ScoreModel, age: int, region: str, outcome: str, pd: str) -> Decision:
    customer = CustomerFactory(region=region)
    request = ScoringRequest.objects.create(
        requester_ref="tests", product_terms={}, features={}, customer=customer, id_number_hash="h"
    )
    return Decision.objects.create(
        request=request,
        model=model,
        model_sha256=model.artifact_sha256,
        features={"age": age},
        points={},
        score=500,
        grade="C",
        pd=Decimal(pd),
        pd_model=Decimal(pd),
        outcome=outcome,
        reasons=[],
        requested_amount=Decimal("10000"),
        approved_limit=Decimal("0"),
        limit_basis={},
        product_terms={},
    )


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, "unknown"),
        (17, "unknown"),
        (18, "18-24"),
        (24, "18-24"),
        (25, "25-34"),
        (64, "55-64"),
        (65, "65+"),
    ],
)
def test_age_bands(age, band):
    assert age_band(age) == band


def test_fairness_numbers_of_a_small_fixture_checked_by_hand():
    rows = [Row(age, region, outcome == "approve", Decimal(pd)) for age, region, outcome, pd in FIXTURE]
    summary = fairness_summary(rows, min_group=2)
    ages = {g["group"]: g for g in summary["age_band"]["groups"]}
    # 18-24: 1 of 2 approved, PDs 0.10 and 0.30; 25-34: 2 of 3, PDs 0.05, 0.07, 0.21 (0.33 / 3);
    # 65+: one applicant, shown but too small to compare.
    assert [
        (g["n"], g["approved"], g["approval_rate"], g["mean_pd"], g["in_gap"]) for g in ages.values()
    ] == [
        (2, 1, Decimal("0.5000"), Decimal("0.200000"), True),
        (3, 2, Decimal("0.6667"), Decimal("0.110000"), True),
        (1, 1, Decimal("1.0000"), Decimal("0.020000"), False),
    ]
    assert list(ages) == ["18-24", "25-34", "65+"]
    assert summary["age_band"]["approval_rate_gap"] == Decimal("0.1667")  # 0.6667 - 0.5000
    assert summary["age_band"]["mean_pd_gap"] == Decimal("0.090000")  # 0.20 - 0.11
    regions = {g["group"]: g for g in summary["region"]["groups"]}
    # Beijing: 2 of 3, PDs 0.10 + 0.30 + 0.05 = 0.45; Shanghai: 1 of 2, 0.07 + 0.21 = 0.28.
    assert [(g["n"], g["approval_rate"], g["mean_pd"]) for g in regions.values()] == [
        (3, Decimal("0.6667"), Decimal("0.150000")),
        (2, Decimal("0.5000"), Decimal("0.140000")),
        (1, Decimal("1.0000"), Decimal("0.020000")),
    ]
    assert list(regions) == ["Beijing", "Shanghai", "unknown"]
    assert summary["region"]["approval_rate_gap"] == Decimal("0.1667")
    assert summary["region"]["mean_pd_gap"] == Decimal("0.010000")
    assert summary["rows"] == 6


def test_no_gap_with_fewer_than_two_comparable_groups():
    rows = [Row(30, "Beijing", True, Decimal("0.1")), Row(50, "Beijing", False, Decimal("0.2"))]
    summary = fairness_summary(rows, min_group=2)
    assert summary["age_band"]["approval_rate_gap"] is None
    assert summary["region"]["mean_pd_gap"] is None


def test_the_assessment_computes_fairness_from_the_models_own_decisions(candidate, analyst, settings):
    # Given a model that decided the fixture's applications (as a champion would have)
    settings.LOANHUB_FAIRNESS_MIN_GROUP = 2
    for row in FIXTURE:
        _decide(candidate, *row)
    # A decision of another model is not this model's.
    other = ScoreModel.objects.create(
        version=99,
        dataset="x",
        binner="x",
        seed=1,
        artifact="{}",
        artifact_sha256="0",
        training_data_sha256="0",
    )
    _decide(other, 40, "Beijing", "decline", "0.9")
    written = assessment.impact_assessment_save(
        model=candidate, actor=analyst, purpose="Rescore.", data_used=DATA
    )
    assert written.fairness["source"] == "decisions"
    assert written.fairness["rows"] == 6
    assert (written.approval_gap_age, written.pd_gap_age) == (Decimal("0.1667"), Decimal("0.09"))
    assert (written.approval_gap_region, written.pd_gap_region) == (Decimal("0.1667"), Decimal("0.01"))
    assert written.fairness["age_band"]["groups"][0] == {
        "group": "18-24",
        "n": 2,
        "approved": 1,
        "approval_rate": "0.5000",
        "mean_pd": "0.200000",
        "in_gap": True,
    }


def test_a_candidate_replays_the_latest_decisions(champion, trained, analyst, analyst2):
    # Given decisions of the champion (the real scorecard on stored feature records)
    from tests.risk.conftest import good_features

    terms = {
        "product_code": "CONSUMER-GENERAL",
        "version_ref": "CONSUMER-GENERAL:v1",
        "amount_min": "5000",
        "amount_max": "200000",
        "term_min": 6,
        "term_max": 60,
        "grade_rates": {"A": "0.04", "B": "0.06", "C": "0.09", "D": "0.13", "E": "0.18"},
        "max_dti": "0.55",
        "auto_approve_limit": "100000",
        "max_age_at_maturity": 65,
        "min_monthly_income": "3000",
    }
    for age in (30, 45):
        decision = _decide(champion, age, "Beijing", "approve", "0.05")
        Decision.objects.filter(pk=decision.pk).update(features=good_features(age=age), product_terms=terms)
    candidate = services.model_register(result=trained, actor=analyst2)
    # When the candidate's assessment is written, it re-decides them with its own scorecard
    written = assessment.impact_assessment_save(
        model=candidate, actor=analyst, purpose=PURPOSE, data_used=DATA
    )
    assert written.fairness["source"] == "replay"
    assert written.fairness["rows"] == 2
    assert [g["group"] for g in written.fairness["age_band"]["groups"]] == ["25-34", "45-54"]


def test_promotion_is_refused_until_a_second_person_signs_the_assessment_off(candidate, analyst, analyst2):
    # Without an assessment: a conflict, and nothing changed
    with translation.override("en"), pytest.raises(Conflict, match="impact assessment") as caught:
        services.model_promote(model=candidate, actor=analyst2)
    assert caught.value.state == ModelStatus.CANDIDATE
    # Written but not signed off: still refused
    written = assessment.impact_assessment_save(
        model=candidate, actor=analyst, purpose=PURPOSE, data_used=DATA
    )
    with pytest.raises(Conflict):
        services.model_promote(model=candidate, actor=analyst2)
    # The author cannot sign their own
    with translation.override("en"), pytest.raises(Forbidden, match="author"):
        assessment.impact_assessment_sign_off(assessment=written, actor=analyst)
    row = ScoreModel.objects.get(pk=candidate.pk)
    assert (row.status, row.promoted_by) == (ModelStatus.CANDIDATE, None)
    assert [e.to_state for e in row.events.all()] == ["candidate"]
    assert ImpactAssessment.objects.get().signed_off_by is None
    # Signed off by someone else: promoted
    signed = assessment.impact_assessment_sign_off(assessment=written, actor=analyst2)
    assert (signed.signed_off_by, signed.author) == (analyst2, analyst)
    assert signed.signed_off_at is not None
    services.model_promote(model=candidate, actor=analyst2)
    assert ScoreModel.objects.get(pk=candidate.pk).status == ModelStatus.CHAMPION


def test_a_signed_assessment_never_changes(candidate, analyst, analyst2):
    signed = signed_assessment(candidate, author=analyst, signer=analyst2)
    with pytest.raises(Conflict):
        assessment.impact_assessment_save(model=candidate, actor=analyst, purpose="other", data_used="other")
    with pytest.raises(Conflict):
        assessment.impact_assessment_sign_off(assessment=signed, actor=analyst2)
    assert ImpactAssessment.objects.get().purpose == signed.purpose


def test_only_risk_analysts_write_and_sign(candidate, analyst, officer, auditor):
    for user in (officer, auditor, None):
        with pytest.raises(Forbidden):
            assessment.impact_assessment_save(model=candidate, actor=user, purpose=PURPOSE, data_used=DATA)
    written = assessment.impact_assessment_save(
        model=candidate, actor=analyst, purpose=PURPOSE, data_used=DATA
    )
    for user in (officer, auditor):
        with pytest.raises(Forbidden):
            assessment.impact_assessment_sign_off(assessment=written, actor=user)
    assert ImpactAssessment.objects.get().signed_off_by is None


@pytest.mark.parametrize(
    ("purpose", "field"),
    [("", "purpose"), ("a\x00b", "purpose"), ("x" * 4001, "purpose")],
    ids=["empty", "nul", "too-long"],
)
def test_assessment_text_is_bounded_and_validated(candidate, analyst, purpose, field):
    with pytest.raises(Invalid) as caught:
        assessment.impact_assessment_save(model=candidate, actor=analyst, purpose=purpose, data_used=DATA)
    assert field in caught.value.errors
    assert not ImpactAssessment.objects.exists()


def test_admin_write_then_sign_off_by_another_analyst(client, candidate, analyst, analyst2, auditor):
    client.force_login(analyst)
    page = client.get(f"/admin/risk/scoremodel/{candidate.pk}/change/")
    assert "/admin/risk/impactassessment/add/" in page.text
    response = client.post(
        "/admin/risk/impactassessment/add/", {"model": candidate.pk, "purpose": PURPOSE, "data_used": DATA}
    )
    assert response.status_code == 302, response.content
    written = ImpactAssessment.objects.get()
    assert written.author == analyst
    assert written.fairness_computed_at is not None
    # The author gets no sign-off button; a POST is refused with a message
    page = client.get(f"/admin/risk/impactassessment/{written.pk}/change/")
    assert "/act/sign-off/" not in page.text
    client.post(f"/admin/risk/impactassessment/{written.pk}/act/sign-off/")
    assert ImpactAssessment.objects.get().signed_off_by is None
    # Another analyst signs it off (the admin speaks zh-hans)
    client.force_login(analyst2)
    page = client.get(f"/admin/risk/impactassessment/{written.pk}/change/")
    assert "/act/sign-off/" in page.text
    assert "按年龄段" in page.text
    client.post(f"/admin/risk/impactassessment/{written.pk}/act/sign-off/")
    assert ImpactAssessment.objects.get().signed_off_by == analyst2
    # Auditors read it, cannot sign or change it
    client.force_login(auditor)
    assert client.get(f"/admin/risk/impactassessment/{written.pk}/change/").status_code == 200
    assert client.get("/admin/risk/impactassessment/").status_code == 200
    assert client.post(f"/admin/risk/impactassessment/{written.pk}/act/recompute/").status_code == 403
