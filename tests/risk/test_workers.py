"""Scoring requests through the task: idempotency, hooks, failures, shadow scoring, velocity."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from risk import hooks, services, tasks
from risk.choices import RequestState
from risk.features import FeatureValidationError
from risk.models import Decision, ScoreModel, ScoringRequest, ShadowScore
from risk.scorecard.model import ArtifactError
from tests.risk.conftest import applicant_features

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen = []

    def hook(*, request, decision):
        seen.append((request.pk, request.state, decision.pk if decision else None))

    hooks.register_decision_hook(hook)
    yield seen
    hooks.unregister_decision_hook(hook)


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


def _create(terms, id_number="110101199001010000", **kwargs):
    return services.scoring_request_create(
        requester_ref="applications.LoanApplication:1",
        product_version=terms,
        features=applicant_features(),
        id_number=id_number,
        **kwargs,
    )


def test_request_is_scored_on_commit_and_hook_called(
    seeded, terms, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms, phone="13800000000")
    request.refresh_from_db()
    decision = Decision.objects.get(request=request)
    assert request.state == RequestState.SCORED
    assert request.identity == {}  # the raw identity is gone once scored
    assert decision.features["credit_history"] == "paid_duly"  # from the bureau
    assert decision.features["bureau_monthly_debt"] == "500.00"
    assert calls == [(request.pk, RequestState.SCORED, decision.pk)]


def test_duplicate_delivery_writes_one_decision(seeded, terms, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    assert tasks.score_request.apply(args=[request.pk]).get() == RequestState.SCORED
    assert tasks.score_request.apply(args=[request.pk]).get() == RequestState.SCORED
    assert Decision.objects.filter(request=request).count() == 1
    assert len(calls) == 1
    assert request.events.count() == 2  # created, scored


def test_no_bureau_file_is_a_thin_file_and_refers(seeded, terms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms, id_number="110101200001010000")
    decision = Decision.objects.get(request=request)
    assert decision.outcome == "refer"
    assert "THIN_FILE" in {r["code"] for r in decision.rules_fired}


def test_corrupt_artifact_fails_loudly_and_is_retryable(
    seeded, terms, analyst, calls, django_capture_on_commit_callbacks
):
    ScoreModel.objects.filter(pk=seeded.pk).update(artifact=seeded.artifact.replace('"pdo":20', '"pdo":21'))
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    with pytest.raises(ArtifactError, match="does not match"):
        tasks.score_request.apply(args=[request.pk], throw=True)
    request.refresh_from_db()
    assert request.state == RequestState.FAILED
    assert "SHA-256" in request.last_error
    assert not Decision.objects.filter(request=request).exists()  # never approved
    assert calls == [(request.pk, RequestState.FAILED, None)]
    # When the model is repaired, an officer retries and the request is scored.
    ScoreModel.objects.filter(pk=seeded.pk).update(artifact=seeded.artifact)
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_request_retry(request=request, actor=analyst)
    request.refresh_from_db()
    assert request.state == RequestState.SCORED
    assert Decision.objects.filter(request=request).count() == 1


def test_missing_champion_fails_the_request(db, terms, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    with pytest.raises(ArtifactError, match="no champion"):
        tasks.score_request.apply(args=[request.pk], throw=True)
    request.refresh_from_db()
    assert request.state == RequestState.FAILED


def test_only_failed_requests_can_be_retried(seeded, terms, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    with pytest.raises(ValidationError):
        services.scoring_request_retry(request=request, actor=analyst)


def test_bad_input_creates_no_request(seeded, terms):
    with pytest.raises(FeatureValidationError) as caught:
        services.scoring_request_create(
            requester_ref="x:1",
            product_version=terms,
            features=applicant_features(monthly_income="-1", age=200),
            id_number="110101199001010000",
        )
    assert set(caught.value.errors) == {"monthly_income", "age"}
    assert ScoringRequest.objects.count() == 0


def test_velocity_over_request_history(seeded, terms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (_create(terms) for _ in range(3))
    assert "VELOCITY_ID" not in {r["code"] for r in second.decision.rules_fired}
    third.refresh_from_db()
    assert "VELOCITY_ID" in {r["code"] for r in third.decision.rules_fired}
    assert third.decision.outcome == "refer"


def test_shared_phone_across_identities(seeded, terms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _create(terms, phone="13800000001")
        other = _create(terms, id_number="110101198505050000", phone="138 0000 0001")
    assert "SHARED_PHONE" in {r["code"] for r in other.decision.rules_fired}


def test_blocklisted_identity_is_declined(seeded, terms, django_capture_on_commit_callbacks):
    services.blocklist_add(identifier="id_number", value="110101199001010000", reason="fraud case 7")
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    assert request.decision.outcome == "decline"


def test_challenger_shadow_scores_without_affecting_decisions(
    seeded, trained, analyst, analyst2, django_capture_on_commit_callbacks
):
    challenger = services.model_register(result=trained, actor=analyst)
    services.model_set_shadow(model=challenger, actor=analyst2, shadow=True)
    from tests.risk.conftest import RATES  # noqa: F401

    with django_capture_on_commit_callbacks(execute=True):
        request = _create(services.ProductTerms.from_json(_terms_json()))
    shadow = ShadowScore.objects.get(request=request, model=challenger)
    assert request.decision.model == seeded
    assert shadow.champion_score == request.decision.score == shadow.score  # same training → same score


def _terms_json():
    from tests.risk.conftest import RATES

    return {
        "product_code": "P",
        "amount_min": "1000",
        "amount_max": "100000",
        "term_min": 6,
        "term_max": 60,
        "grade_rates": {k: str(v) for k, v in RATES.items()},
    }


def test_decision_is_immutable(seeded, terms, django_capture_on_commit_callbacks):
    from risk.models import ImmutableError

    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    decision = request.decision
    decision.score = 999
    with pytest.raises(ImmutableError):
        decision.save()
    with pytest.raises(ImmutableError):
        decision.delete()
