"""The customer's credit line page: figures, draw and repay forms without JavaScript, refusals on
the field, a resubmitted form moving money once, another customer's line a 404, zh-hans."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from servicing.models import CreditLineTransaction
from tests.servicing.factories import CustomerFactory
from tests.servicing.lines_helpers import on, open_line

IDLE_SCRIPT = '<script src="/static/js/idle.js" defer></script>'
pytestmark = pytest.mark.django_db
D = Decimal


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_line_and_a_draw_then_a_repayment_move_it():
    line = open_line()
    with on(line.opened_on):  # signed in on that day (a session from today would have expired)
        client = browser(line.customer.user)
        page = client.get(f"/credit-lines/{line.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        html = page.content.decode()
        assert "50,000.00" in html
        assert 'class="draw-form"' in html
        # No script but the idle-timeout warning, which the page does not need to work.
        assert "<script" not in html.replace(IDLE_SCRIPT, "")
        form = {"draw-amount": "2000.00", "draw-key": "k-draw-1"}
        done = client.post(f"/credit-lines/{line.pk}/draw/", form)
        twice = client.post(f"/credit-lines/{line.pk}/draw/", form)
        repaid = client.post(
            f"/credit-lines/{line.pk}/repay/", {"repay-amount": "500.00", "repay-key": "k-r-1"}
        )
    assert (done.status_code, twice.status_code, repaid.status_code) == (302, 302, 302)
    assert list(CreditLineTransaction.objects.values_list("kind", "amount")) == [
        ("draw", D("2000.00")),
        ("repayment", D("500.00")),
    ]
    line.refresh_from_db()
    assert line.available == D("48500.00")
    with on(line.opened_on):
        html = client.get(f"/credit-lines/{line.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="tx-draw"' in html
    assert 'class="tx-repayment"' in html


def test_a_draw_above_the_limit_shows_the_message_on_the_field_and_moves_nothing():
    line = open_line()
    with on(line.opened_on):
        page = browser(line.customer.user).post(
            f"/credit-lines/{line.pk}/draw/", {"draw-amount": "60000.00", "draw-key": "k-x"}
        )
    assert page.status_code == 200
    html = page.content.decode()
    assert "has-error" in html
    assert 'value="60000.00"' in html
    assert CreditLineTransaction.objects.count() == 0


def test_another_customers_line_is_a_404():
    line = open_line()
    client = browser(CustomerFactory().user)
    assert client.get(f"/credit-lines/{line.pk}/").status_code == 404
    assert (
        client.post(f"/credit-lines/{line.pk}/draw/", {"draw-amount": "1", "draw-key": "k"}).status_code
        == 404
    )
    assert CreditLineTransaction.objects.count() == 0


def test_the_page_speaks_chinese():
    line = open_line()
    with translation.override("zh-hans"), on(line.opened_on):
        html = browser(line.customer.user).get(f"/credit-lines/{line.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "可用额度" in html.content.decode()


def test_my_loans_lists_the_customers_credit_lines():
    line = open_line()
    with on(line.opened_on):
        html = browser(line.customer.user).get("/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="/credit-lines/{line.pk}/"' in html
