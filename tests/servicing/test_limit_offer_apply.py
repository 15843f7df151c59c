"""A pre-approved top-up offer links to the application wizard with its product and amount filled
in (issue 14's loose ends): on the customer's loans page and in the limit-offers API."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from rest_framework.test import APIClient

from servicing import limits
from tests.servicing.test_limit_growth import book, staff  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_a_top_up_offer_opens_the_wizard_with_product_and_amount(book, staff):  # noqa: F811
    # Given the on-time customer's 50,000.00 top-up, approved by an officer and a senior approver,
    top_up = next(p for p in limits.limit_proposals_run() if p.kind == "top_up")
    limits.limit_proposal_approve(proposal_id=top_up.pk, actor=staff["officer"])
    limits.limit_proposal_approve(proposal_id=top_up.pk, actor=staff["senior"])
    code = book["good_loan"].product_version.product.code
    expected = f"/apply/new/?product={code}&amount=50000.00"

    # when the customer opens their loans page and follows "Apply for it",
    browser = Client()
    browser.force_login(book["good"].user)
    page = browser.get("/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    wizard = browser.get(expected, HTTP_ACCEPT_LANGUAGE="en")

    # then the link carries the product and the amount, and the wizard's loan step has them.
    assert 'data-kind="top_up"' in page
    assert f'href="{html.escape(expected)}"' in page
    assert wizard.status_code == 200
    form = wizard.context["form"]
    assert str(form.initial["amount"]) == "50000.00"
    assert 'value="50000.00"' in wizard.content.decode()

    api = APIClient()
    api.force_authenticate(book["good"].user)
    [offer] = [o for o in api.get("/api/v1/limit-offers/").json() if o["kind"] == "top_up"]
    assert offer["apply_url"] == expected
    assert offer["product"] == code
