"""Five-tier classification: the 2023 rules' floors, officers' changes (worse only, maker-checker),
and the provisions and IFRS 9 stages that follow from a class."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from loanhub.errors import Forbidden, Invalid
from servicing import classification, repayments, rules
from tests.products.factories import UserFactory
from tests.servicing.factories import open_loan

D = Decimal


@pytest.mark.parametrize(
    ("dpd", "expected"),
    [
        (0, "pass"),
        (1, "special_mention"),
        (90, "special_mention"),
        (91, "substandard"),
        (270, "substandard"),
        (271, "doubtful"),
        (360, "doubtful"),
        (361, "loss"),
    ],
)
def test_floors_of_the_2023_risk_classification_rules(dpd, expected):
    # 商业银行金融资产风险分类办法 (2023), art. 11–16: overdue → at least special mention;
    # more than 90 days → substandard; more than 270 → doubtful; more than 360 → loss.
    assert rules.classification_floor(dpd, overdue=dpd > 0) == expected


def test_overdue_in_grace_is_already_special_mention():
    assert rules.classification_floor(0, overdue=True) == "special_mention"


@pytest.mark.parametrize(
    ("klass", "rate"),
    [
        ("pass", D("0.01")),
        ("special_mention", D("0.03")),
        ("substandard", D("0.25")),
        ("doubtful", D("0.50")),
        ("loss", D("1.00")),
    ],
)
def test_provision_rates_general_on_the_performing_book_and_specific_by_class(klass, rate):
    # 银行贷款损失准备计提指引: general reserve 1 %; specific 2 %, 25 %, 50 %, 100 %.
    assert rules.provision_rate(klass) == rate
    assert rules.provision(klass, D("12345.67")) == (D("12345.67") * rate).quantize(D("0.01"))


@pytest.mark.parametrize(
    ("dpd", "klass", "stage"),
    [(0, "pass", 1), (30, "special_mention", 2), (31, "special_mention", 2), (91, "substandard", 3)],
)
def test_ifrs9_stages_with_the_30_and_90_day_backstops(dpd, klass, stage):
    assert rules.ifrs9_stage(dpd, klass) == stage


@pytest.fixture
def officers(db):
    return (
        UserFactory(username="maker", role=roles.LOAN_OFFICER),
        UserFactory(username="checker", role=roles.SENIOR_APPROVER),
    )


def test_an_officer_classifies_worse_with_a_reason_and_a_second_person_approves(officers):
    maker, checker = officers
    loan = repayments.loan_refresh(open_loan(disbursed_on=clock.today() - relativedelta(days=10)))
    assert loan.classification == "pass"
    change = classification.classification_change_request(
        loan=loan, to_class="substandard", reason="borrower's business closed", actor=maker
    )
    loan.refresh_from_db()
    assert loan.classification == "pass"  # nothing until approved
    with pytest.raises(Forbidden):
        classification.classification_change_approve(change=change, actor=maker)
    classification.classification_change_approve(change=change, actor=checker)
    loan.refresh_from_db()
    assert loan.classification == "substandard"
    assert loan.ifrs9_stage == 3
    assert loan.events.filter(to_state="approved").exists()
    # It stays so when the loan is recalculated (a payment, close of business).
    assert repayments.loan_refresh(loan).classification == "substandard"


def test_never_better_than_the_floor(officers):
    maker, _ = officers
    loan = repayments.loan_refresh(open_loan(disbursed_on=clock.today() - relativedelta(months=2), fees=[]))
    assert loan.classification == "special_mention"
    with pytest.raises(Invalid) as caught:
        classification.classification_change_request(
            loan=loan, to_class="pass", reason="looks fine", actor=maker
        )
    assert "to_class" in caught.value.errors


def test_customers_and_auditors_cannot_ask(officers, db):
    loan = open_loan()
    auditor = UserFactory(username="aud", role=roles.AUDITOR)
    with pytest.raises(Forbidden):
        classification.classification_change_request(loan=loan, to_class="loss", reason="x", actor=auditor)
