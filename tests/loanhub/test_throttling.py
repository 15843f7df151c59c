"""Per-address limits cannot be bypassed with a forged X-Forwarded-For (issue 18, first finding)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _two_attempts_a_minute(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"},
    }
    yield
    cache.clear()


def _statuses(headers_per_request: list[dict]) -> list[int]:
    client = APIClient()
    return [
        client.post(TOKEN, {"username": "x", "password": "y"}, **headers).status_code
        for headers in headers_per_request
    ]


def test_a_new_forwarded_address_per_request_gets_no_new_allowance():
    forged = [{"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"} for n in range(1, 6)]
    assert _statuses(forged) == [400, 400, 429, 429, 429]


def test_the_page_log_in_shares_the_budget_whatever_the_header_says(client):
    _statuses([{"HTTP_X_FORWARDED_FOR": "198.51.100.1"}, {"HTTP_X_FORWARDED_FOR": "198.51.100.2"}])
    response = client.post(
        "/customers/login/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR="198.51.100.3"
    )
    assert response.status_code == 429


def test_behind_one_trusted_proxy_the_address_it_saw_counts_not_what_the_client_wrote(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy appends the address it saw; entries before it are the client's own words.
    same_client = [{"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}, 192.0.2.7"} for n in range(1, 5)]
    assert _statuses(same_client) == [400, 400, 429, 429]
    # Another client behind the same proxy has its own budget.
    assert _statuses([{"HTTP_X_FORWARDED_FOR": "192.0.2.8"}]) == [400]


def test_the_setting_is_read_from_the_environment():
    from loanhub import config

    assert config.check_numbers({"LOANHUB_TRUSTED_PROXIES": "1"}) == {"LOANHUB_TRUSTED_PROXIES": 1}
    with pytest.raises(config.ConfigurationError, match="reverse proxies"):
        config.check_numbers({"LOANHUB_TRUSTED_PROXIES": "-1"})
