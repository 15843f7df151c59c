"""Password reset by e-mail (Django's views, LoanHub's templates), the password rules shown at
sign-up, and the idle-timeout warning on signed-in pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils import translation

from tests.customers.factories import UserFactory
from tests.portal.test_english_on_chinese_pages import english_words

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "river-lantern-2046"


def _link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/customers/password-reset/\S+/\S+/)", mail.body).group(1)


def test_a_customer_resets_the_password_with_the_link_sent_by_e_mail(client, customer, mailoutbox):
    page = client.get("/customers/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'href="/customers/password-reset/"' in page.content.decode()

    response = client.post(
        "/customers/password-reset/", {"email": customer.user.email}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/password-reset/sent/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [customer.user.email]
    assert mailoutbox[0].subject == "LoanHub: choose a new password"

    link = _link(mailoutbox[0])
    form = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en")  # Django moves the token into the session
    assert form.status_code == 200
    assert form.context["validlink"]
    # The new password's rules are shown on the form.
    assert "Your password must contain at least 8 characters." in form.content.decode()
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert weak.context["form"].errors["new_password2"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == "/customers/password-reset/complete/"
    customer.user.refresh_from_db()
    assert customer.user.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_or_a_staff_account_gets_the_same_answer_and_no_mail(client, mailoutbox):
    UserFactory(username="officer-x", email="officer-x@example.com", is_staff=True)
    for email in ("nobody@example.com", "officer-x@example.com"):
        response = client.post("/customers/password-reset/", {"email": email})
        assert response.status_code == 302
        assert response["Location"] == "/customers/password-reset/sent/"
    assert mailoutbox == []


def test_a_malformed_address_is_a_field_error(client, mailoutbox):
    response = client.post(
        "/customers/password-reset/", {"email": "not-an-address"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert mailoutbox == []


def test_the_reset_pages_and_the_e_mail_are_in_chinese(client, customer, mailoutbox):
    for path in (
        "/customers/password-reset/",
        "/customers/password-reset/sent/",
        "/customers/password-reset/complete/",
    ):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        assert english_words(response.content.decode()) == set(), path
    client.post("/customers/password-reset/", {"email": customer.user.email}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert mailoutbox[0].subject == "LoanHub：设置新密码"
    assert "设置新密码" in mailoutbox[0].body


def test_sign_up_shows_the_password_rules_in_the_page_language(client):
    for language in ("en", "zh-hans"):
        with translation.override(language):
            rules = password_validators_help_texts()
        html = client.get("/customers/signup/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'id="id_password_help"' in html
        for rule in rules:
            assert rule.replace("’", "&#x27;").replace("'", "&#x27;") in html or rule in html, (
                language,
                rule,
            )


def test_signed_in_pages_carry_the_idle_warning_with_the_timeout(client, customer, settings):
    settings.LOANHUB_IDLE_TIMEOUT_CUSTOMER_MINUTES = 30
    assert 'id="idle-warning"' not in client.get("/").content.decode()  # nobody signed in
    client.force_login(customer.user)
    html = client.get("/customers/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-timeout-seconds="1800" data-warning-seconds="120"' in html
    assert "you will be signed out in 2 minutes without activity" in html
    assert "/static/js/idle.js" in html
