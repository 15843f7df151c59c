"""Admin: analysts get the promote buttons and a validating rule editor; auditors read only."""

from __future__ import annotations

import pytest

from risk.models import RiskRule, ScoreModel
from tests.risk.factories import signed_assessment

pytestmark = pytest.mark.django_db


def test_analyst_sees_report_and_promote_button(client, candidate, analyst, analyst2):
    signed_assessment(candidate, author=analyst, signer=analyst2)
    client.force_login(analyst2)
    page = client.get(f"/admin/risk/scoremodel/{candidate.pk}/change/")
    assert page.status_code == 200
    assert "Promote to champion" in page.text or "提升为冠军模型" in page.text
    assert "5 折交叉验证（开发集）" in page.text  # the validation report, in the page's language
    response = client.post(f"/admin/risk/scoremodel/{candidate.pk}/act/promote/")
    assert response.status_code == 302
    assert ScoreModel.objects.get(pk=candidate.pk).status == "champion"


def test_trainer_promote_is_refused_with_a_message(client, candidate, analyst):
    client.force_login(analyst)
    response = client.post(f"/admin/risk/scoremodel/{candidate.pk}/act/promote/", follow=True)
    assert "四眼原则" in response.text  # the admin speaks the default language, zh-hans
    assert ScoreModel.objects.get(pk=candidate.pk).status == "candidate"


def test_auditor_reads_but_cannot_act(client, candidate, auditor):
    client.force_login(auditor)
    page = client.get(f"/admin/risk/scoremodel/{candidate.pk}/change/")
    assert page.status_code == 200
    assert "/act/promote/" not in page.text
    assert client.post(f"/admin/risk/scoremodel/{candidate.pk}/act/promote/").status_code == 403
    assert client.get("/admin/risk/decision/").status_code == 200
    assert client.get("/admin/risk/riskrule/add/").status_code == 403


def test_rule_editor_refuses_unknown_feature_and_impossible_threshold(client, analyst):
    client.force_login(analyst)
    data = {
        "code": "AGE_NEW",
        "product_code": "",
        "kind": "threshold",
        "outcome": "decline",
        "reason_zh": "年龄",
        "reason_en": "Age",
        "feature": "shoe_size",
        "operator": "lt",
        "threshold": "500",
        "values": "[]",
        "active": "on",
    }
    page = client.post("/admin/risk/riskrule/add/", data)
    assert page.status_code == 200
    assert "未知的数值特征" in page.text  # the admin speaks zh-hans
    assert not RiskRule.objects.exists()
    page = client.post("/admin/risk/riskrule/add/", {**data, "feature": "age"})
    assert "age 不可能取此值" in page.text
    client.post("/admin/risk/riskrule/add/", {**data, "feature": "age", "threshold": "21"})
    assert RiskRule.objects.get().threshold == 21


def test_scoring_request_page_shows_the_customer_reference_not_the_identity(
    client, champion, terms, analyst, django_capture_on_commit_callbacks
):
    from tests.risk.conftest import GOOD_ID, create_request

    with django_capture_on_commit_callbacks(execute=True):
        request = create_request(terms)
    client.force_login(analyst)
    page = client.get(f"/admin/risk/scoringrequest/{request.pk}/change/")
    assert page.status_code == 200
    assert str(request.customer) in page.text
    assert GOOD_ID not in page.text
    assert request.customer.phone not in page.text
