"""The risk decision for a returning customer uses their own repayment history with us (issue 14):
applications passes servicing's facts in the scoring request, and the default rule
INTERNAL_OVERDUE refers a customer who is overdue with us now."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.db.models import F

from applications.models import State
from loanhub import clock
from servicing.models import Loan, LoanInstallment
from tests.applications.conftest import draft
from tests.servicing.factories import ApplicationFactory, open_loan


def _returning(customer, *, overdue: bool):
    loan = open_loan(
        ApplicationFactory(customer=customer), disbursed_on=clock.today() - relativedelta(months=7)
    )
    LoanInstallment.objects.filter(loan=loan, due_date__lt=clock.today()).update(
        status="paid", paid_on=F("due_date")
    )
    if overdue:
        Loan.objects.filter(pk=loan.pk).update(days_past_due=9)


def test_a_returning_customer_overdue_with_us_is_referred(risk_ready, customer, product, submit):
    _returning(customer, overdue=True)
    application = submit(draft(customer, product))

    facts = application.scoring_request.internal_history
    assert (facts["days_past_due"], facts["months_on_book"], facts["on_time_ratio"]) == ("9", "7", "1.0000")
    assert "INTERNAL_OVERDUE" in {r["code"] for r in application.decision.rules_fired}
    assert application.state == State.REFERRED


def test_a_returning_customer_who_repaid_on_time_is_decided_as_before(risk_ready, customer, product, submit):
    _returning(customer, overdue=False)
    application = submit(draft(customer, product))

    assert application.scoring_request.internal_history["days_past_due"] == "0"
    assert "INTERNAL_OVERDUE" not in {r["code"] for r in application.decision.rules_fired}
    assert application.state == State.APPROVED
