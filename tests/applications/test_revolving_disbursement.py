"""A revolving product (随借随还): quoted as its representative interest-only schedule, applied
for, approved and accepted like any product; at disbursement it opens a credit line with the
approved amount as the limit and the offer's rate, not a loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from applications import services
from applications.models import State
from loanhub import clock
from products import choices as pc
from products.quotes import product_quote
from servicing.models import CreditLine, Loan
from tests.applications.conftest import draft
from tests.products.factories import version_in

CONSENTS = {"disclosure": True, "credit_contract": True}


@pytest.fixture
def revolving(db):
    return version_in(
        pc.ProductStatus.ACTIVE,
        product__code="LINE",
        channels=["web", "app", "branch"],
        repayment_methods=["revolving"],
        default_method="revolving",
        frequencies=["monthly"],
        available_from=clock.today() - dt.timedelta(days=30),
        max_dti=Decimal("0.5"),
    )


def test_a_revolving_product_is_quoted_as_the_whole_limit_drawn_interest_paid_monthly(revolving):
    quote = product_quote(version=revolving, amount=Decimal("50000"), term=12)
    rows = quote.schedule.installments
    assert quote.method == "revolving"
    assert quote.engine_terms["method"] == "revolving"
    assert len(rows) == 12
    assert all(row["principal"] == 0 for row in rows[:-1])
    assert rows[-1]["principal"] == Decimal("50000.00")


def test_disbursing_a_revolving_application_opens_a_credit_line(
    risk_ready, customer, revolving, submit, users
):
    application = submit(draft(customer, revolving))
    if application.state == State.REFERRED:
        application = services.application_approve(
            application=application, actor=users["officer"], reason="ok"
        )
    accepted = services.application_accept_offer(
        application=application,
        actor=customer.user,
        consents=CONSENTS,
        offer_digest=application.offer["digest"],
    )
    disbursed = services.application_disburse(application=accepted, actor=users["officer"])
    assert disbursed.state == State.DISBURSED
    line = CreditLine.objects.get(origin_ref=str(disbursed))
    assert (line.customer_id, line.credit_limit, line.annual_rate, line.principal, line.opened_on) == (
        customer.pk,
        accepted.offer_amount,
        accepted.offer_rate,
        Decimal("0.00"),
        clock.today(),
    )
    assert line.number == f"C{disbursed.pk:08d}"
    assert not Loan.objects.filter(origin_ref=str(disbursed)).exists()
    assert disbursed.events.last().payload["credit_line"] == line.pk
