"""Per-account lockout with backoff: no number of addresses buys more password guesses (issue 18)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from loanhub import clock, lockout, roles
from loanhub.errors import Forbidden
from loanhub.models import AccountEvent
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"
PASSWORD = "right-horse-battery-9"
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture(autouse=True)
def _no_address_throttle(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "1000/min"},
    }
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOANHUB_LOGIN_LOCKOUT_MINUTES = 15
    yield
    cache.clear()


@pytest.fixture
def owner(db):
    user = UserFactory(username="wang", role=roles.CUSTOMER, is_staff=False, email="wang@example.com")
    user.set_password(PASSWORD)
    user.save()
    return user


def _token(password: str) -> int:
    """One token request from a new address each time (and a forged header, for good measure)."""
    address = next(_addresses)
    response = APIClient().post(
        TOKEN,
        {"username": "wang", "password": password},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR=f"203.0.113.{address.rsplit('.', 1)[1]}",
    )
    return response.status_code


def test_five_wrong_passwords_from_five_addresses_lock_the_account(owner, client):
    assert [_token("guess") for _ in range(4)] == [400] * 4
    assert _token("guess") != 200  # the fifth failure locks
    # The right password, from yet another address, is refused now: API and portal alike.
    assert _token(PASSWORD) == 429
    page = client.post(
        "/customers/login/", {"username": "wang", "password": PASSWORD}, REMOTE_ADDR=next(_addresses)
    )
    assert page.status_code == 429
    assert "_auth_user_id" not in client.session
    # The owner is told, and the event is on the account.
    event = AccountEvent.objects.get(user=owner)
    assert (event.kind, event.detail["minutes"]) == (AccountEvent.Kind.LOCKED_OUT, 15)
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    assert lockout.account_locked_until(owner) is not None


def test_the_lockout_ends_after_the_cool_off_and_doubles_while_guessing_goes_on(owner):
    start = clock.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _token("guess")
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert _token(PASSWORD) == 200  # one quiet cool-off: the owner gets in
    # Guessing that goes on through a lockout doubles it: 10 failures → 30 minutes.
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        for _ in range(10):
            _token("guess")
    with time_machine.travel(start + dt.timedelta(minutes=20 + 16), tick=False):
        assert _token(PASSWORD) == 429
    with time_machine.travel(start + dt.timedelta(minutes=20 + 31), tick=False):
        assert _token(PASSWORD) == 200


def test_an_officer_unlocks_at_once_and_it_is_recorded(owner):
    for _ in range(5):
        _token("guess")
    officer = UserFactory(username="officer", role=roles.LOAN_OFFICER)
    with pytest.raises(Forbidden):
        lockout.account_unlock(user=owner, actor=owner)
    assert _token(PASSWORD) == 429
    event = lockout.account_unlock(user=owner, actor=officer, reason="called in, ID checked")
    assert (event.kind, event.actor, event.detail["reason"]) == (
        AccountEvent.Kind.UNLOCKED,
        officer,
        "called in, ID checked",
    )
    assert lockout.account_locked_until(owner) is None
    assert _token(PASSWORD) == 200


def test_cool_off_doubles_per_lockout_up_to_a_day(settings):
    assert [lockout.cool_off_after(n).total_seconds() / 60 for n in (0, 5, 9, 10, 15, 20)] == [
        15,
        15,
        15,
        30,
        60,
        120,
    ]
    assert lockout.cool_off_after(10_000) == dt.timedelta(days=1)
