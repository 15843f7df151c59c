"""Model registry: four-eyes promotion, one champion, illegal transitions refused, named
permissions."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_fsm import TransitionNotAllowed

from loanhub.errors import Conflict, Forbidden
from loanhub.permissions import may
from risk import services
from risk.choices import ModelStatus
from risk.models import CHANGE_SCOREMODEL, PROMOTE_SCOREMODEL, RETRY_SCORINGREQUEST, ScoreModel
from tests.risk.factories import signed_assessment

pytestmark = pytest.mark.django_db


def test_trainer_cannot_promote_own_model(candidate, analyst):
    with translation.override("en"), pytest.raises(Forbidden, match="Four eyes"):
        services.model_promote(model=candidate, actor=analyst)
    candidate.refresh_from_db()
    assert candidate.status == ModelStatus.CANDIDATE
    assert candidate.promoted_by is None
    assert [e.reason for e in candidate.events.all()] == ["trained"]


def test_four_eyes_message_in_chinese(candidate, analyst):
    with translation.override("zh-hans"), pytest.raises(Forbidden, match="四眼原则"):
        services.model_promote(model=candidate, actor=analyst)


def test_risk_analysts_hold_the_named_model_permissions_and_officers_do_not(analyst, officer):
    assert may(analyst, PROMOTE_SCOREMODEL, CHANGE_SCOREMODEL, RETRY_SCORINGREQUEST)
    assert not any(may(officer, p) for p in (PROMOTE_SCOREMODEL, CHANGE_SCOREMODEL, RETRY_SCORINGREQUEST))


@pytest.mark.parametrize(
    "act",
    [
        lambda model, actor: services.model_promote(model=model, actor=actor),
        lambda model, actor: services.model_retire(model=model, actor=actor, reason="no"),
        lambda model, actor: services.model_set_shadow(model=model, actor=actor, shadow=True),
    ],
    ids=["promote", "retire", "shadow"],
)
@pytest.mark.parametrize("who", ["officer", "nobody"])
def test_without_the_permission_nothing_changes(candidate, officer, act, who):
    with pytest.raises(Forbidden):
        act(candidate, officer if who == "officer" else None)
    row = ScoreModel.objects.get(pk=candidate.pk)
    assert (row.status, row.shadow, row.promoted_by, row.retired_at) == (
        ModelStatus.CANDIDATE,
        False,
        None,
        None,
    )
    assert row.events.count() == 1  # trained


def test_second_analyst_promotes_and_previous_champion_retires(champion, trained, analyst, analyst2):
    assert champion.status == ModelStatus.CHAMPION
    assert champion.promoted_by == analyst2
    newer = services.model_register(result=trained, actor=analyst2)
    signed_assessment(newer, author=analyst2, signer=analyst)
    services.model_promote(model=newer, actor=analyst)
    champion.refresh_from_db()
    assert champion.status == ModelStatus.RETIRED
    assert ScoreModel.objects.filter(status=ModelStatus.CHAMPION).get() == newer
    assert [e.to_state for e in champion.events.all()] == ["candidate", "champion", "retired"]


def test_retired_or_champion_cannot_be_promoted(champion, analyst2):
    with pytest.raises(Conflict) as caught:
        services.model_promote(model=champion, actor=analyst2)
    assert caught.value.state == ModelStatus.CHAMPION
    services.model_retire(model=champion, actor=analyst2, reason="test")
    with (
        translation.override("en"),
        pytest.raises(Conflict, match=r"Only a candidate.*v1 is retired") as caught,
    ):
        services.model_promote(model=champion, actor=analyst2)
    assert caught.value.state == ModelStatus.RETIRED
    with pytest.raises(Conflict):
        services.model_retire(model=champion, actor=analyst2, reason="again")
    assert ScoreModel.objects.get(pk=champion.pk).status == ModelStatus.RETIRED
    assert [e.to_state for e in champion.events.all()] == ["candidate", "champion", "retired"]


def test_only_a_candidate_can_be_a_challenger(champion, trained, analyst, analyst2):
    with pytest.raises(Conflict) as caught:
        services.model_set_shadow(model=champion, actor=analyst, shadow=True)
    assert caught.value.state == ModelStatus.CHAMPION
    assert ScoreModel.objects.get(pk=champion.pk).shadow is False
    challenger = services.model_register(result=trained, actor=analyst)
    services.model_set_shadow(model=challenger, actor=analyst2, shadow=True)
    challenger.refresh_from_db()
    assert challenger.shadow is True
    assert [(e.from_state, e.to_state, e.reason) for e in challenger.events.all()] == [
        ("", "candidate", "trained"),
        ("candidate", "candidate", "challenger on"),
    ]


def test_status_is_protected(candidate):
    with pytest.raises(AttributeError):
        candidate.status = ModelStatus.CHAMPION
    candidate.retire()
    with pytest.raises(TransitionNotAllowed):
        candidate.promote()


def test_corrupt_candidate_is_never_promoted(candidate, analyst, analyst2):
    from risk.scorecard.model import ArtifactError

    signed_assessment(candidate, author=analyst, signer=analyst2)
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
