"""A malformed rubric draft is refused when it is written (400-style field errors from the service,
a form error in the admin, nothing saved) and again when someone tries to publish it, so a
rating never meets it. The check itself, case by case: tests/risk/test_business_rubric_check.py."""

from __future__ import annotations

import copy
import json

import pytest

from loanhub.errors import Invalid
from risk.business import services as rating_services
from risk.business.models import BusinessRubric, RubricStatus
from risk.business.rubric_v1 import RUBRIC_V1

pytestmark = pytest.mark.django_db


def _gapped() -> dict:
    doc = copy.deepcopy(RUBRIC_V1)
    doc["quantitative"][0]["bands"][2]["min"] = "0.65"  # 0.6–0.65 has no band
    doc["grades"][3]["pd"] = "0.01"  # D's PD below C's
    return doc


def test_a_malformed_draft_is_refused_with_each_path_and_nothing_is_saved(users):
    count = BusinessRubric.objects.count()
    with pytest.raises(Invalid) as exc:
        rating_services.rubric_create_draft(definition=_gapped(), actor=users["analyst"])
    assert set(exc.value.errors) == {"definition.quantitative[0].bands[2].min", "definition.grades[3].pd"}
    assert BusinessRubric.objects.count() == count


def test_a_malformed_draft_already_stored_cannot_be_published(users):
    # Written before the whole check existed (or straight into the database).
    bad = BusinessRubric.objects.create(version=99, definition=_gapped(), created_by=users["analyst"])
    with pytest.raises(Invalid) as exc:
        rating_services.rubric_publish(rubric=bad, actor=users["analyst2"])
    assert "definition.grades[3].pd" in exc.value.errors
    bad.refresh_from_db()
    assert bad.status == RubricStatus.DRAFT
    assert rating_services.rubric_published().version == 1
    assert not bad.events.filter(to_state="published").exists()


def test_the_admin_shows_a_malformed_draft_as_a_form_error_and_saves_nothing(client, users):
    client.force_login(users["analyst"])
    count = BusinessRubric.objects.count()
    response = client.post(
        "/admin/risk/businessrubric/add/",
        {"definition": json.dumps(_gapped()), "note": "gap"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["definition"]
    assert any(e.startswith("definition.quantitative[0].bands[2].min: ") for e in errors)
    assert BusinessRubric.objects.count() == count
    response = client.post(
        "/admin/risk/businessrubric/add/",
        {"definition": json.dumps(RUBRIC_V1), "note": "same again"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert BusinessRubric.objects.count() == count + 1
