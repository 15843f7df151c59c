"""The borrower's loan page after disbursement: what is due, overdue installments with their penalty
interest in plain words, payoff, payments with their allocation, and paying through the payment
backend (redirect on success; the field error and the typed amount on a refusal)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from servicing import payments, repayments
from servicing.models import JournalEntry, Repayment
from servicing.payments import PaymentResult
from servicing.position import penalty_of
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan

IDLE_SCRIPT = '<script src="/static/js/idle.js" defer></script>'
pytestmark = pytest.mark.django_db
D = Decimal
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def overdue_loan():
    """The owner's loan without fees disbursed about seven weeks ago: its first installment is
    about three weeks overdue, the second due in about ten days."""
    owner = CustomerFactory(user__username="payer")
    start = clock.today() - relativedelta(months=2) + dt.timedelta(days=10)
    return open_loan(ApplicationFactory(customer=owner), disbursed_on=start, fees=[])


def _page(client, loan, language="en"):
    client.force_login(loan.customer.user)
    response = client.get(f"/loans/{loan.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def _key(html: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', html).group(1)


def test_the_page_shows_what_is_due_the_penalty_in_plain_words_and_the_payoff(client, overdue_loan):
    loan = overdue_loan
    position = repayments.loan_position(loan)
    first = loan.installments.get(number=1)
    days = (position.as_of - first.due_date).days
    penalty = penalty_of((first.principal + first.interest) * loan.penalty_rate * days)
    response = _page(client, loan)
    html = response.content.decode()
    overview = response.context["overview"]
    assert overview.due_today == position.due_today() == first.payment + penalty
    assert f'<dd class="due-today">{position.due_today():,.2f}</dd>' in html
    assert f'<dd class="payoff">{position.payoff()["total"]:,.2f}</dd>' in html
    # The penalty as a sum a borrower can check: amount × rate × days ÷ 365.
    assert "Penalty interest (罚息) of 9.00% a year" in html
    assert "That is 1.5 times your contract rate of 6.00%." in html
    expected = f"{first.payment:,.2f} × 9.00% × {days} ÷ 365 = {penalty:,.2f}"
    assert expected in html
    assert f"is {days} days overdue" in html
    # The pay-now form starts from what is due today, with a one-time key.
    assert f'value="{position.due_today()}"' in html
    assert len(_key(html)) >= 16
    # No script but the idle-timeout warning, which the page does not need to work.
    assert "<script" not in html.replace(IDLE_SCRIPT, "")
    assert "style=" not in html
    assert '<svg class="chart"' in html
    assert html.count('<td class="status-overdue">') == 1


def test_pay_now_posts_through_the_backend_and_redirects(client, overdue_loan):
    loan = overdue_loan
    html = _page(client, loan).content.decode()
    due = repayments.loan_position(loan).due_today()
    response = client.post(
        f"/loans/{loan.pk}/pay/", {"amount": str(due), "key": _key(html)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response["Location"] == f"/loans/{loan.pk}/"
    repayment = Repayment.objects.get()
    assert (repayment.amount, repayment.channel, repayment.posted_by) == (due, "portal", loan.customer.user)
    assert repayment.external_id.startswith(f"SIM-{loan.pk}-")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "your payment of" in page
    assert f'<td class="amount">{due:,.2f}</td>' in page
    assert f"<td>{repayment.penalty:,.2f}</td>" in page  # its allocation is shown
    loan.refresh_from_db()
    assert loan.days_past_due == 0


def test_a_resubmitted_form_pays_once(client, overdue_loan):
    loan = overdue_loan
    key = _key(_page(client, loan).content.decode())
    for _ in range(2):
        assert client.post(f"/loans/{loan.pk}/pay/", {"amount": "100.00", "key": key}).status_code == 302
    assert Repayment.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("12.345", "Ensure that there are no more than 2 decimal places."),
        ("abc", "Enter a number."),
    ],
)
def test_a_bad_amount_shows_the_page_again_with_the_error_and_the_typed_value(
    client, overdue_loan, typed, message
):
    loan = overdue_loan
    key = _key(_page(client, loan).content.decode())
    entries = JournalEntry.objects.count()
    response = client.post(f"/loans/{loan.pk}/pay/", {"amount": typed, "key": key}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'name="amount" value="{typed}"' in html
    assert _key(html) != key  # a new key for the next attempt
    assert Repayment.objects.count() == 0
    assert JournalEntry.objects.count() == entries


def test_a_declined_payment_posts_nothing(client, overdue_loan, monkeypatch):
    class Declining:
        def collect(self, *, loan, amount, payer, key):
            return PaymentResult(confirmed=False, transaction_id="", message="Insufficient funds.")

    monkeypatch.setattr(payments, "get_backend", Declining)
    loan = overdue_loan
    key = _key(_page(client, loan).content.decode())
    response = client.post(f"/loans/{loan.pk}/pay/", {"amount": "100.00", "key": key})
    assert response.status_code == 200
    assert "Insufficient funds." in response.content.decode()
    assert Repayment.objects.count() == 0


def test_the_backend_is_the_setting(settings, overdue_loan):
    settings.LOANHUB_PAYMENT_BACKEND = "servicing.payments.SimulatedBankTransfer"
    assert isinstance(payments.get_backend(), payments.SimulatedBankTransfer)
    result = payments.get_backend().collect(loan=overdue_loan, amount=D("1.00"), payer=None, key="k" * 16)
    assert result.confirmed
    assert result.transaction_id == f"SIM-{overdue_loan.pk}-{'k' * 16}"


@pytest.mark.parametrize("who", ["other", "officer", "auditor"])
def test_only_the_owner_sees_the_page_and_pays(client, overdue_loan, who):
    loan = overdue_loan
    user = {
        "other": lambda: CustomerFactory(user__username="other-payer").user,
        "officer": lambda: UserFactory(username="officer-p", role=roles.LOAN_OFFICER),
        "auditor": lambda: UserFactory(username="auditor-p", role=roles.AUDITOR),
    }[who]()
    client.force_login(user)
    assert client.get(f"/loans/{loan.pk}/").status_code == 404
    response = client.post(f"/loans/{loan.pk}/pay/", {"amount": "100.00", "key": "k" * 20})
    assert response.status_code == 404
    assert Repayment.objects.count() == 0


def test_pay_needs_login_and_post(client, overdue_loan):
    loan = overdue_loan
    assert client.post(f"/loans/{loan.pk}/pay/", {"amount": "1.00"}).status_code == 302
    client.force_login(loan.customer.user)
    assert client.get(f"/loans/{loan.pk}/pay/").status_code == 405


def test_the_page_in_chinese(client, overdue_loan):
    html = _page(client, overdue_loan, "zh-hans").content.decode()
    assert '<html lang="zh-hans">' in html
    for text in ("今日应还", "逾期分期", "立即还款", "提前结清金额", "提前还款或提前结清", "罚息"):
        assert text in html, text


def test_a_closed_loan_has_no_pay_form(client):
    owner = CustomerFactory(user__username="closer")
    loan = open_loan(
        ApplicationFactory(customer=owner),
        disbursed_on=clock.today() - relativedelta(months=4),
        term=3,
        fees=[],
    )
    total = repayments.payoff_quote(loan)["total"]
    repayments.repayment_post(loan=loan, amount=total, actor=owner.user)
    html = _page(client, loan).content.decode()
    assert "This loan is fully repaid" in html
    assert 'action="/loans/' not in html or "/pay/" not in html
    assert Repayment.objects.get().value_date == clock.today()


def test_grace_days_are_explained(client, overdue_loan):
    loan = overdue_loan
    type(loan).objects.filter(pk=loan.pk).update(overdue_grace_days=3)
    first = loan.installments.get(number=1)
    # The day after the due date the installment is overdue but still in its grace days.
    day_after = dt.datetime.combine(first.due_date + dt.timedelta(days=1), dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(day_after, tick=False):
        response = _page(client, loan)
    row = response.context["overview"].overdue[0]
    assert (row.charged, row.penalty, row.days) == (False, D("0.00"), 1)
    html = response.content.decode()
    assert "An installment paid within 3 days after its due date is charged no penalty interest." in html
    grace_end = (first.due_date + dt.timedelta(days=3)).isoformat()
    assert f"No penalty interest yet: pay it by {grace_end} and none is charged" in html
