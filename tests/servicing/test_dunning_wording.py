"""The dunning texts name what is collected: a credit line's notices speak of the line and its
statement's minimum (servicing.dunning_defaults.LINE_TEMPLATES), a loan's of the loan, in the
customer's language (Chinese unless English)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import translation
from django.utils.formats import date_format

from loanhub import clock
from notifications.models import Message, MessageTemplate
from notifications.services import render_text
from servicing import collections, dunning, repayments
from servicing.dunning_defaults import ensure_dunning_defaults
from servicing.models import CreditLine, DunningNotice, DunningStep
from servicing.rules import bucket_for
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _defaults():
    ensure_dunning_defaults(DunningStep, MessageTemplate)


@pytest.fixture(params=["zh-hans", "en"])
def language(request, monkeypatch):
    monkeypatch.setattr(dunning, "customer_language", lambda *, customer: request.param)
    return request.param


def _body() -> str:
    notice = DunningNotice.objects.get()
    return Message.objects.get(pk=notice.message_id).body


def _close_day() -> dict:
    return collections.collections_close_day(business_date=clock.today() - ONE_DAY)


def _line(dpd: int = 0) -> CreditLine:
    line = open_line(
        customer=CustomerFactory(legal_name="王芳"), opened_on=clock.today() - dt.timedelta(days=90)
    )
    CreditLine.objects.filter(pk=line.pk).update(
        days_past_due=dpd,
        delinquency_bucket=bucket_for(dpd),
        minimum_due=Decimal("800.00"),
        penalty_due=Decimal("12.00") if dpd else Decimal("0.00"),
        due_date=clock.today() - dt.timedelta(days=dpd) if dpd else clock.today() + 2 * ONE_DAY,
        position_date=clock.today(),
    )
    return line


LINE_OVERDUE = {
    "zh-hans": "王芳，您的信用额度 C00000001 的最低还款额已逾期 8 天，请尽快还款，"
    "以免产生更多罚息并影响您的信用记录。",
    "en": "王芳, the minimum payment on your credit line C00000001 is 8 days overdue. "
    "Please pay as soon as you can to avoid further penalty interest and harm to your credit record.",
}


def test_a_lines_past_due_notice_speaks_of_the_line(language):
    _line(8)  # past the day-7 step
    assert _close_day()["dunning_sent"] == 1
    assert _body() == LINE_OVERDUE[language]


def test_a_lines_reminder_speaks_of_its_statements_minimum(language):
    _line(0)
    due = due_on = clock.today() + 2 * ONE_DAY
    assert _close_day()["dunning_sent"] == 1
    with translation.override(language):  # a date as the message's language writes it
        due = render_text("{{ due }}", {"due": due})
        assert (
            due
            == {"zh-hans": f"{due_on.year}年{due_on.month}月{due_on.day}日", "en": date_format(due_on)}[
                language
            ]
        )
    expected = {
        "zh-hans": f"王芳，您的信用额度 C00000001 本期账单最低还款额 800.00 元将于 {due} 到期，请按时还款。",
        "en": f"王芳, the minimum payment of 800.00 yuan on your credit line C00000001 is due on {due}.",
    }[language]
    assert _body() == expected


def test_a_loans_notice_still_speaks_of_the_loan(language):
    application = ApplicationFactory(customer=CustomerFactory(legal_name="李雷"))
    disbursed_on = clock.today() - dt.timedelta(days=10) - relativedelta(months=1)
    loan = repayments.loan_refresh(open_loan(application, disbursed_on=disbursed_on, fees=[]))
    assert loan.days_past_due == 10
    assert _close_day()["dunning_sent"] == 1
    expected = {
        "zh-hans": f"李雷，您的贷款 {loan.number} 已逾期 10 天，请尽快还款，"
        "以免产生更多罚息并影响您的信用记录。",
        "en": f"李雷, your loan {loan.number} is 10 days overdue. Please pay as soon as you can to avoid "
        "further penalty interest and harm to your credit record.",
    }[language]
    assert _body() == expected


def test_a_step_without_a_line_text_sends_its_own_text_to_a_line():
    MessageTemplate.objects.filter(key="collections-overdue-line").delete()
    _line(8)
    assert _close_day()["dunning_sent"] == 1
    assert _body().startswith("王芳，您的贷款 C00000001 已逾期 8 天")
