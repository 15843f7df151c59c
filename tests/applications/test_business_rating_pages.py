"""The officer's business assessment page (admin console, server-rendered, no JavaScript): the
business data beside its ratios, the assessment form, the rating with every indicator's points and
the rubric version, and the override asked for and decided by two people; the rubric's admin with
its four-eyes publish. The same page in a real browser: tests/applications/test_browser_business.py."""

from __future__ import annotations

import pytest

from applications.models import State
from risk.business import services as rating_services
from risk.business.models import BusinessRubric, OverrideStatus, RubricStatus
from risk.business.rubric_v1 import RUBRIC_V1
from tests.applications.conftest import draft
from tests.applications.test_business_rating import ANSWERS, _business

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(risk_ready, business_product, submit):
    application = submit(
        draft(_business("shop", "small_business"), business_product, purpose="business_operating")
    )
    assert application.state == State.REFERRED
    return application


def _url(application) -> str:
    return f"/admin/applications/loanapplication/{application.pk}/assessment/"


def test_the_officer_assesses_on_the_page_and_sees_every_indicator(client, users, referred):
    client.force_login(users["officer"])
    change = client.get(
        f"/admin/applications/loanapplication/{referred.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert _url(referred).encode() in change.content
    page = client.get(_url(referred), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Qualitative assessment (rubric v1)" in text
    assert "Debt ratio (liabilities / assets)" in text
    assert "<td>0.4000</td>" in text  # the ratio beside the data
    assert 'name="site_visit"' in text
    # A missing answer is refused with the indicator named, nothing is rated
    partial = {k: v for k, v in ANSWERS.items() if k != "site_visit"}
    refused = client.post(_url(referred), {"action": "assess", **partial}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "answers.site_visit" in refused.content.decode()
    assert services_rating(referred) is None
    done = client.post(_url(referred), {"action": "assess", **ANSWERS})
    assert done.status_code == 302
    rating = services_rating(referred)
    shown = client.get(_url(referred), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Grade {rating.grade} (PD {rating.pd}), score {rating.score}, rubric v1" in shown
    assert shown.count("<tr><td>") == 12  # every indicator with its points


def test_the_page_in_chinese(client, users, referred):
    client.force_login(users["officer"])
    text = client.get(_url(referred), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for words in ("定性评估", "资产负债率", "实地调查结论", "营业收入"):
        assert words in text


def test_an_override_on_the_page_needs_a_second_person(client, users, referred):
    client.force_login(users["officer"])
    client.post(_url(referred), {"action": "assess", **ANSWERS})
    rating = services_rating(referred)
    target = "D" if rating.grade != "D" else "E"
    client.post(_url(referred), {"action": "override", "grade": target, "reason": "weak order book"})
    refused = client.post(_url(referred), {"action": "approve_override"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Senior Approver" in refused.content.decode()
    client.force_login(users["senior"])
    client.post(_url(referred), {"action": "approve_override"})
    rating.refresh_from_db()
    assert (rating.override_status, rating.grade) == (OverrideStatus.APPROVED, target)


def test_staff_who_do_not_decide_cannot_open_the_page(client, users, referred):
    for role in ("analyst", "auditor"):
        client.force_login(users[role])
        assert client.get(_url(referred)).status_code == 403


def test_a_rubric_version_is_published_by_a_second_analyst(users):
    draft_v2 = rating_services.rubric_create_draft(
        definition={**RUBRIC_V1, "personal_weight": "0.4"},
        actor=users["analyst"],
        note="more weight on the owner",
    )
    assert (draft_v2.version, draft_v2.status) == (2, RubricStatus.DRAFT)
    from loanhub.errors import Forbidden, Invalid

    with pytest.raises(Forbidden):
        rating_services.rubric_publish(rubric=draft_v2, actor=users["analyst"])
    with pytest.raises(Forbidden):
        rating_services.rubric_publish(rubric=draft_v2, actor=users["officer"])
    with pytest.raises(Invalid):
        rating_services.rubric_create_draft(
            definition={**RUBRIC_V1, "grades": RUBRIC_V1["grades"][:3]}, actor=users["analyst"]
        )
    assert rating_services.rubric_published().version == 1
    rating_services.rubric_publish(rubric=draft_v2, actor=users["analyst2"])
    assert rating_services.rubric_published().version == 2
    assert BusinessRubric.objects.get(version=1).status == RubricStatus.RETIRED
    assert list(draft_v2.events.values_list("from_state", "to_state", "actor__username")) == [
        ("", "draft", "analyst"),
        ("draft", "published", "analyst2"),
    ]


def test_the_rubric_admin_publishes_through_the_service(client, users):
    client.force_login(users["analyst"])
    assert client.get("/admin/risk/businessrubric/").status_code == 200
    rubric = rating_services.rubric_create_draft(definition=RUBRIC_V1, actor=users["analyst"])
    client.post(
        "/admin/risk/businessrubric/",
        {"action": "publish", "_selected_action": [rubric.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    rubric.refresh_from_db()
    assert rubric.status == RubricStatus.DRAFT  # the author may not publish it
    client.force_login(users["analyst2"])
    client.post("/admin/risk/businessrubric/", {"action": "publish", "_selected_action": [rubric.pk]})
    rubric.refresh_from_db()
    assert rubric.status == RubricStatus.PUBLISHED


def services_rating(application):
    from applications import services

    return services.rating_for(application)


def test_the_applicant_sees_the_rating_in_plain_words_on_the_status_page(client, users, referred):
    from applications import services

    client.force_login(referred.customer.user)
    url = f"/applications/{referred.pk}/"
    assert 'id="business-rating"' not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rating = services.application_assess_business(
        application=referred, actor=users["officer"], answers=ANSWERS
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'its rating is <strong class="grade">{rating.grade}</strong>' in page
    # debt ratio 600,000 / 1,500,000 = 0.4 → 70 points; the management answer "over ten years" → 100
    assert "Debt ratio (liabilities / assets): 70 points" in page
    assert "Management experience: 100 points" in page
    for internal in ("debt_ratio", "over_10y", "management_experience", str(rating.pd)):
        assert internal not in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "资产负债率" in page
    assert "经营者管理经验" in page
