"""risk_report, train_scorecard, rescore and seed_risk."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from risk.scorecard import metrics

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_risk_report_json_shape(champion):
    data = json.loads(_run("risk_report", "--json"))
    assert data["model_version"] == champion.version
    assert set(data["cv"]) >= {"auc", "auc_std", "ks", "gini", "folds"}
    assert set(data["holdout"]) >= {"auc", "ks", "gini", "n", "scores"}
    assert data["cv"]["auc"] >= 0.76
    assert data["holdout"]["auc"] >= 0.73
    assert isinstance(data["psi"], float)
    assert len(data["bands"]) == 5
    assert [set(g) for g in data["grades"]] == [{"grade", "count", "bads", "bad_rate", "pd"}] * 5
    assert set(data["calibration"]["holdout"]) >= {"brier", "ece"}
    scores = np.array(data["holdout"]["scores"])
    assert metrics.auc(scores[:, 1], -scores[:, 0]) == pytest.approx(data["holdout"]["auc"], abs=1e-4)


def test_risk_report_text_and_version(champion):
    text = _run("risk_report", "--version", str(champion.version))
    assert f"Score model v{champion.version} (champion)" in text
    assert "5-fold CV" in text
    assert "hold-out 25 %" in text
    assert "PSI" in text
    assert "Grades out of fold" in text
    assert "PD calibration (isotonic)" in text


def test_risk_report_unknown_version(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no score model v9"):
        _run("risk_report", "--version", "9")


def test_train_scorecard_registers_a_candidate(db, analyst):
    text = _run("train_scorecard", "--binner", "monotonic", "--user", analyst.username)
    assert "Registered candidate v1" in text
    from risk.models import ScoreModel

    assert ScoreModel.objects.get().trained_by == analyst


def test_train_scorecard_second_dataset_only_reports(db):
    data = json.loads(_run("train_scorecard", "--dataset", "credit_data", "--binner", "monotonic", "--json"))
    assert data["dataset"] == "credit_data"
    assert data["holdout"]["auc"] > 0.75
    from risk.models import ScoreModel

    assert not ScoreModel.objects.exists()


def test_rescore_compares_models(champion, terms, django_capture_on_commit_callbacks):
    from risk import services
    from tests.risk.conftest import create_request

    services.rule_seed_defaults()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            create_request(terms, requester_ref="x:1")
    text = _run("rescore", "--since", "2000-01-01")
    assert "3 decisions since 2000-01-01" in text
    assert f"v{champion.version} (champion)" in text
    assert "same grade as decided 100.0 %" in text


def test_seed_risk_is_idempotent(db, django_user_model, monkeypatch, trained):
    from django.contrib.auth.models import Group

    from demo import risk as demo
    from loanhub import roles
    from risk import services
    from risk.models import RiskRule, ScoreModel

    monkeypatch.setattr(
        services, "model_train", lambda **kw: services.model_register(result=trained, actor=kw.get("actor"))
    )
    analyst = django_user_model.objects.create_user("analyst", password="x")
    analyst.groups.add(Group.objects.get(name=roles.RISK_ANALYST))
    django_user_model.objects.create_superuser("admin", password="x")
    first = demo.seed_risk()
    second = demo.seed_risk()
    assert first["trained"] is True
    assert second["trained"] is False
    assert ScoreModel.objects.get().status == "champion"
    assert RiskRule.objects.count() == len(__import__("risk.rules").rules.DEFAULT_RULES)


def test_a_model_stored_without_a_validation_report_is_shown_not_a_crash(db):
    from risk.models import ScoreModel
    from risk.report import model_report, report_text

    fields = {"dataset": "x", "binner": "x", "seed": 1, "artifact": "{}"}
    model = ScoreModel.objects.create(version=98, artifact_sha256="0", training_data_sha256="0", **fields)
    text = report_text(model_report(model))
    assert text == f"Score model v98 ({model.status}): no validation report stored"
