"""Before launch, the power plan: how many members each arm needs to detect the minimum detectable
effect (statistics in marketing.stats, scipy's normal quantiles)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def test_the_plan_gives_the_members_per_arm_and_in_all(manager):
    # 5 % → 6 %, two-sided α = 0.05, power 0.8: 8,158 per arm (the usual textbook figure is
    # 8,155–8,160 depending on rounding of z), three arms need three times that.
    body = _api(manager).get(
        "/api/v1/marketing/experiments/plan/", {"baseline": "0.05", "mde": "0.01", "arms": 3}
    )

    assert body.status_code == 200, body.json()
    assert body.json() == {
        "baseline": 0.05,
        "mde": 0.01,
        "arms": 3,
        "alpha": 0.05,
        "power": 0.8,
        "per_arm": 8158,
        "total": 24474,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "baseline"),
        ({"baseline": "0.95", "mde": "0.1"}, "mde"),
        ({"baseline": "0.1", "mde": "0.01", "arms": 1}, "arms"),
    ],
)
def test_a_bad_plan_is_a_field_error(manager, params, field):
    response = _api(manager).get("/api/v1/marketing/experiments/plan/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]
