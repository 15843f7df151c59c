"""A signed-in customer changes their password: Django's form under LoanHub's rules, this browser
stays signed in, every other session and the API token are signed out, the customer is told by
e-mail, attempts are throttled, the form needs its CSRF token; staff use the console's own."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token

from loanhub.authentication import token_issue
from loanhub.models import AccountEvent, UserSession
from tests.customers.factories import UserFactory
from tests.portal.test_english_on_chinese_pages import english_words

pytestmark = pytest.mark.django_db
URL = "/customers/me/password/"
OLD = "correct-horse-battery-9"  # the factories' password
NEW = "river-lantern-2046"


def _signed_in(user, language="en") -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    browser.force_login(user)
    browser.get("/customers/me/")  # the session's activity record
    return browser


def _change(browser, old=OLD, new=NEW, again=None, **extra):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return browser.post(URL, data, **extra)


def test_the_profile_offers_the_page_and_it_shows_the_password_rules(customer):
    browser = _signed_in(customer.user)
    assert f'href="{URL}"' in browser.get("/customers/me/").content.decode()
    html = browser.get(URL).content.decode()
    assert 'name="old_password"' in html
    with translation.override("en"):
        rules = password_validators_help_texts()
    assert rules
    for rule in rules:
        assert rule.replace("'", "&#x27;") in html or rule in html, rule


def test_a_wrong_old_password_is_a_field_error_and_keeps_what_was_typed(customer, mailoutbox):
    browser = _signed_in(customer.user)
    response = _change(browser, old="not-my-password")
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["old_password"]
    assert "Your old password was entered incorrectly" in form.errors["old_password"][0]
    html = response.content.decode()
    # The customer's input is kept: the old password field is re-rendered with what was typed
    # (Django renders password inputs empty, so the bound data is what counts).
    assert form.data["old_password"] == "not-my-password"
    assert form.data["new_password1"] == NEW
    assert 'id="id_old_password"' in html
    customer.user.refresh_from_db()
    assert customer.user.check_password(OLD)  # nothing changed
    assert not AccountEvent.objects.filter(user=customer.user).exists()
    assert mailoutbox == []


def test_new_passwords_that_break_the_rules_or_differ_are_field_errors(customer):
    browser = _signed_in(customer.user)
    weak = _change(browser, new="12345678")
    assert "new_password2" in weak.context["form"].errors
    different = _change(browser, new=NEW, again=NEW + "x")
    assert "new_password2" in different.context["form"].errors
    customer.user.refresh_from_db()
    assert customer.user.check_password(OLD)


def test_a_change_keeps_this_browser_and_signs_out_the_others_and_the_token(
    customer, mailoutbox, django_capture_on_commit_callbacks
):
    user = customer.user
    user.email = "lin@example.com"
    user.save(update_fields=["email"])
    other = _signed_in(user)
    token = token_issue(user=user)
    browser = _signed_in(user)
    assert UserSession.objects.filter(user=user).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = _change(browser)
    assert response.status_code == 302
    assert response["Location"] == "/customers/me/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    # This browser is still signed in (update_session_auth_hash), under a new session key
    page = browser.get("/customers/me/", follow=True)
    assert page.wsgi_request.user == user
    assert "This browser stays signed in" in page.content.decode()
    assert UserSession.objects.filter(user=user).count() == 1
    assert UserSession.objects.get(user=user).session_key == browser.session.session_key
    # The other browser and the API token are signed out
    assert other.get("/customers/me/").status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/customers/me/").status_code == 401
    # Recorded on the account, and the customer is told
    event = AccountEvent.objects.get(user=user)
    assert (event.kind, event.detail) == (AccountEvent.Kind.PASSWORD_CHANGED, {"sessions_ended": 1})
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["lin@example.com"]
    assert mailoutbox[0].subject == "LoanHub: your password was changed"
    assert NEW not in mailoutbox[0].body


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for response in (client.get(URL), client.post(URL, {"old_password": OLD})):
        assert response.status_code == 302
        assert response["Location"].startswith("/customers/login/?next=")


def test_staff_are_not_offered_the_portal_page(client):
    officer = UserFactory(username="officer-p", is_staff=True)
    client.force_login(officer)
    assert f'href="{URL}"' not in client.get("/customers/me/").content.decode()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/"
    assert _change(client).status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(OLD)


def test_the_form_needs_its_csrf_token(customer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer.user)
    assert _change(browser).status_code == 403
    customer.user.refresh_from_db()
    assert customer.user.check_password(OLD)


def test_attempts_are_throttled_like_signing_in(customer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"},
    }
    browser = _signed_in(customer.user)
    assert [_change(browser, old="guess-1").status_code, _change(browser, old="guess-2").status_code] == [
        400,
        400,
    ]
    refused = _change(browser)  # even the right old password is not tried
    assert refused.status_code == 429
    assert "Too many attempts from this address" in refused.content.decode()
    customer.user.refresh_from_db()
    assert customer.user.check_password(OLD)


def test_the_page_and_the_notice_are_in_chinese(customer, mailoutbox, django_capture_on_commit_callbacks):
    user = customer.user
    user.email = "lin@example.com"
    user.save(update_fields=["email"])
    browser = _signed_in(user, language="zh-hans")
    html = browser.get(URL).content.decode()
    assert "修改密码" in html
    assert english_words(html) == set()
    wrong = _change(browser, old="not-my-password").content.decode()
    assert english_words(wrong) == set()
    with django_capture_on_commit_callbacks(execute=True):
        _change(browser)
    assert mailoutbox[0].subject == "LoanHub：您的密码已修改"
