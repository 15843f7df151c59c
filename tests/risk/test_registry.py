"""Model registry: four-eyes promotion, one champion, illegal transitions refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed

from risk import services
from risk.choices import ModelStatus
from risk.models import ScoreModel

pytestmark = pytest.mark.django_db


def test_trainer_cannot_promote_own_model(candidate, analyst):
    with pytest.raises(PermissionDenied, match="four eyes"):
        services.model_promote(model=candidate, actor=analyst)
    candidate.refresh_from_db()
    assert candidate.status == ModelStatus.CANDIDATE
    assert candidate.promoted_by is None


def test_non_analyst_cannot_promote(candidate, officer):
    with pytest.raises(PermissionDenied):
        services.model_promote(model=candidate, actor=officer)
    assert ScoreModel.objects.get(pk=candidate.pk).status == ModelStatus.CANDIDATE


def test_second_analyst_promotes_and_previous_champion_retires(champion, trained, analyst, analyst2):
    assert champion.status == ModelStatus.CHAMPION
    assert champion.promoted_by == analyst2
    newer = services.model_register(result=trained, actor=analyst2)
    services.model_promote(model=newer, actor=analyst)
    champion.refresh_from_db()
    assert champion.status == ModelStatus.RETIRED
    assert ScoreModel.objects.filter(status=ModelStatus.CHAMPION).get() == newer
    assert [e.to_state for e in champion.events.all()] == ["candidate", "champion", "retired"]


def test_retired_or_champion_cannot_be_promoted(champion, analyst2):
    with pytest.raises(ValidationError):
        services.model_promote(model=champion, actor=analyst2)
    services.model_retire(model=champion, actor=analyst2, reason="test")
    with pytest.raises(ValidationError):
        services.model_promote(model=champion, actor=analyst2)
    assert ScoreModel.objects.get(pk=champion.pk).status == ModelStatus.RETIRED


def test_status_is_protected(candidate):
    with pytest.raises(AttributeError):
        candidate.status = ModelStatus.CHAMPION
    candidate.retire()
    with pytest.raises(TransitionNotAllowed):
        candidate.promote()


def test_corrupt_candidate_is_never_promoted(candidate, analyst2):
    from risk.scorecard.model import ArtifactError

    ScoreModel.objects.filter(pk=candidate.pk).update(artifact="{}")
    candidate.refresh_from_db()
    with pytest.raises(ArtifactError):
        services.model_promote(model=candidate, actor=analyst2)
    assert ScoreModel.objects.get(pk=candidate.pk).status == ModelStatus.CANDIDATE


def test_artifact_hash_and_versions(candidate, trained):
    import hashlib

    assert candidate.version == 1
    assert candidate.artifact_sha256 == hashlib.sha256(candidate.artifact.encode()).hexdigest()
    assert candidate.training_data_sha256 == trained.artifact["dataset"]["sha256"]
    assert candidate.features == [f["name"] for f in trained.artifact["features"]]
