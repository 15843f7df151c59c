"""The customer's prepayment page (/loans/<id>/prepay/): quote, then confirm (no JavaScript); the
posting equals the quote shown, a changed quote is shown again, other customers get a 404, and
the page reads in Chinese and English."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from servicing import prepayments
from servicing.models import Loan, Repayment, ScheduleChange
from tests.servicing.test_prepayments import _loan

pytestmark = pytest.mark.django_db


def _figure(html: str, css: str) -> D:
    match = re.search(rf'class="{css}">([^<]+)<', html)
    assert match, css
    return D(match.group(1).replace(",", ""))


def test_quote_then_confirm_posts_exactly_the_quote(client, people):
    loan = _loan(people)
    client.force_login(people["owner"])
    page = client.get(f"/loans/{loan.pk}/prepay/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    key = re.search(r'name="key" value="([^"]+)"', page.content.decode()).group(1)
    quoted = client.post(
        f"/loans/{loan.pk}/prepay/",
        {"amount": "20000.00", "mode": "shorten_term", "key": key},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = quoted.content.decode()
    assert quoted.status_code == 200
    assert "Your new schedule" in html
    total = _figure(html, "quote-total")
    expected = prepayments.prepayment_quote(loan=loan, amount=D("20000.00"), mode="shorten_term")
    assert total == expected["total"]
    assert not ScheduleChange.objects.exists()  # a quote posts nothing
    confirm = {
        "amount": "20000.00",
        "mode": "shorten_term",
        "key": key,
        "shown_total": str(total),
        "confirm": "on",
    }
    done = client.post(f"/loans/{loan.pk}/prepay/", confirm)
    assert done.status_code == 302
    assert done["Location"] == f"/loans/{loan.pk}/"
    change = ScheduleChange.objects.get()
    assert change.repayment.amount == total
    assert change.repayment.channel == "portal"
    # A double submit posts nothing more.
    client.post(f"/loans/{loan.pk}/prepay/", confirm)
    assert Repayment.objects.filter(reference="prepayment").count() == 1


def test_a_changed_quote_is_shown_again_not_posted(client, people):
    loan = _loan(people)
    client.force_login(people["owner"])
    response = client.post(
        f"/loans/{loan.pk}/prepay/",
        {
            "amount": "20000.00",
            "mode": "reduce_installment",
            "key": "k",
            "shown_total": "1.00",
            "confirm": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The quote has changed" in response.content.decode()
    assert not ScheduleChange.objects.exists()


def test_payoff_from_the_portal_closes_the_loan(client, people):
    loan = _loan(people)
    client.force_login(people["owner"])
    quoted = client.post(
        f"/loans/{loan.pk}/prepay/", {"amount": "999999.00", "key": "p"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = quoted.content.decode()
    assert "pays the whole loan off" in html
    total = _figure(html, "quote-total")
    client.post(
        f"/loans/{loan.pk}/prepay/",
        {"amount": "999999.00", "key": "p", "shown_total": str(total), "confirm": "on"},
    )
    assert Loan.objects.get(pk=loan.pk).status == "closed"


def test_bad_amount_shows_the_field_error(client, people):
    loan = _loan(people)
    client.force_login(people["owner"])
    response = client.post(
        f"/loans/{loan.pk}/prepay/", {"amount": "-5", "key": "k"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    assert not ScheduleChange.objects.exists()


def test_other_customers_and_anonymous_do_not_see_it(client, people):
    loan = _loan(people)
    assert client.get(f"/loans/{loan.pk}/prepay/").status_code == 302
    client.force_login(people["other"])
    assert client.get(f"/loans/{loan.pk}/prepay/").status_code == 404
    assert client.post(f"/loans/{loan.pk}/prepay/", {"amount": "100.00", "key": "k"}).status_code == 404


def test_the_page_reads_in_chinese(client, people):
    loan = _loan(people)
    client.force_login(people["owner"])
    response = client.post(
        f"/loans/{loan.pk}/prepay/", {"amount": "20000.00", "key": "k"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = response.content.decode()
    assert "提前还款" in html
    assert "新的还款计划" in html
