"""Opening a loan: the schedule pinned to the engine, the disbursement entry, one loan only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_fsm import TransitionNotAllowed

from products import engine_adapter
from servicing import selectors, services
from servicing.models import JournalEntry, Loan, LoanInstallment, Posting
from tests.products.factories import UserFactory
from tests.servicing.factories import (
    DISBURSED_ON,
    ApplicationFactory,
    active_version,
    loan_open_for,
    open_loan,
    terms_for,
)

pytestmark = pytest.mark.django_db
D = Decimal
Z = D("0.00")
ROW_FIELDS = engine_adapter.ROW_FIELDS


def _rows(loan: Loan) -> list[dict]:
    return list(LoanInstallment.objects.filter(loan=loan).order_by("number").values(*ROW_FIELDS))


def _disbursement(loan: Loan) -> list[tuple[str, Decimal, Decimal]]:
    entry = JournalEntry.objects.get(loan=loan, kind="disbursement")
    return list(entry.postings.order_by("account__code").values_list("account__code", "debit", "credit"))


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"method": "equal_principal", "term": 24, "annual_rate": D("0.0435")},
        {"grace": {"periods": 2, "type": "capitalised"}, "day_count": "ACT/365"},
        {"interest_free_periods": 3, "first_due_date": dt.date(2026, 10, 31)},
        {"method": "bullet", "term": 6, "fees": [{"type": "periodic", "amount": D("15.00")}]},
        {"method": "interest_only", "frequency": "quarterly", "term": 8, "fees": []},
    ],
    ids=["annuity", "equal-principal", "capitalised-grace", "promo-odd-first", "bullet", "interest-only"],
)
def test_the_schedule_is_the_engines_output_for_the_terms_exactly(overrides):
    officer = UserFactory(username="officer")
    application = ApplicationFactory()
    terms = terms_for(application, **overrides)

    loan = loan_open_for(application, terms=terms, disbursed_on=DISBURSED_ON, actor=officer)

    expected = engine_adapter.schedule(**terms, start_date=DISBURSED_ON)
    loan.refresh_from_db()
    assert _rows(loan) == expected.installments
    summary = expected.summary
    assert loan.principal == summary["total_principal"]
    for name in (
        "total_interest",
        "total_fees",
        "total_payable",
        "net_proceeds",
        "apr",
        "effective_annual_rate",
    ):
        assert getattr(loan, name) == summary[name], name
    assert loan.start_date == DISBURSED_ON
    assert loan.first_due_date == expected.installments[0]["due_date"]
    assert loan.maturity_date == expected.installments[-1]["due_date"]
    assert (loan.annual_rate, loan.term, loan.method, loan.frequency) == (
        terms["annual_rate"],
        terms["term"],
        terms["method"],
        terms["frequency"],
    )
    assert loan.origin_ref == str(application)
    assert loan.customer_id == application.customer_id
    assert loan.product_version_id == application.product_version_id
    assert loan.status == "active"
    assert loan.disbursed_by == officer
    assert loan.number == f"L{application.pk:08d}"


def test_the_stored_terms_rebuild_the_same_schedule():
    """Pinned means provable: the terms as stored (fees and grace as JSON) give the same rows."""
    loan = open_loan(grace={"periods": 1, "type": "interest_only"}, annual_rate=D("0.0789"))
    loan.refresh_from_db()
    replay = engine_adapter.schedule(
        principal=loan.principal,
        annual_rate=loan.annual_rate,
        term=loan.term,
        frequency=loan.frequency,
        method=loan.method,
        start_date=loan.start_date,
        day_count=loan.day_count,
        fees=loan.fees,
        grace=loan.grace,
        interest_free_periods=loan.interest_free_periods,
        first_due_date=loan.first_due_date,
    )
    assert _rows(loan) == replay.installments
    assert loan.fees == [
        {"type": "upfront", "amount": "200.00"},
        {"type": "upfront_percent", "rate": "0.01000000"},
    ]


def test_worked_example_mortgage_of_one_million_at_4_9_percent_over_30_years():
    # 1,000,000 CNY, 4.9 % a year (the PBoC 5-year+ benchmark rate 2015–2019), 360 monthly
    # installments, equal installments (等额本息): Chinese bank mortgage calculators (房贷计算器)
    # publish a monthly payment of 5,307.27 CNY and a first month's interest of
    # 1,000,000 x 4.9 % / 12 = 4,083.33 CNY.
    application = ApplicationFactory(
        amount=D("1000000.00"),
        term=360,
        product_version=active_version(amount_max=D("2000000.00"), term_max=360),
    )
    loan = loan_open_for(
        application,
        terms=terms_for(application, annual_rate=D("0.049"), fees=[], day_count="30/360"),
        disbursed_on=dt.date(2026, 1, 15),
        actor=None,
    )
    rows = list(loan.installments.order_by("number"))
    assert len(rows) == 360
    assert {row.payment for row in rows[:-1]} == {D("5307.27")}
    assert (rows[0].interest, rows[0].principal, rows[0].balance) == (
        D("4083.33"),
        D("1223.94"),
        D("998776.06"),
    )
    assert rows[-1].balance == Z
    assert sum(row.principal for row in rows) == D("1000000.00")
    assert loan.maturity_date == dt.date(2056, 1, 15)
    assert loan.apr == D("0.049000")
    assert _disbursement(loan) == [("1100", D("1000000.00"), Z), ("2100", Z, D("1000000.00"))]


def test_the_disbursement_entry_books_principal_net_proceeds_and_upfront_fees():
    # 100,000.00 with a 200.00 arrangement fee and a 1 % service fee: 1,200.00 is withheld.
    loan = open_loan()
    assert loan.net_proceeds == D("98800.00")
    assert loan.upfront_fees == D("1200.00")
    assert _disbursement(loan) == [
        ("1100", D("100000.00"), Z),
        ("2100", Z, D("98800.00")),
        ("4100", Z, D("1200.00")),
    ]
    assert selectors.loan_ledger_balances(loan=loan) == {
        "1100": D("100000.00"),
        "2100": D("-98800.00"),
        "4100": D("-1200.00"),
    }
    entry = JournalEntry.objects.get(loan=loan)
    assert entry.idempotency_key == f"loan:{loan.pk}:disbursement"


def test_every_loans_ledger_balances_and_fee_income_equals_upfront_fees():
    loans = [
        open_loan(),
        open_loan(fees=[]),
        open_loan(fees=[{"type": "upfront_percent", "rate": D("0.0137")}], principal=D("12345.67")),
        open_loan(
            fees=[{"type": "periodic_percent", "rate": D("0.001")}, {"type": "upfront", "amount": D("9.99")}]
        ),
    ]
    for loan in loans:
        balances = selectors.loan_ledger_balances(loan=loan)
        assert sum(balances.values()) == Z
        assert balances["1100"] == loan.principal
        assert -balances.get("4100", Z) == loan.upfront_fees == loan.principal - loan.net_proceeds
    assert [-selectors.loan_ledger_balances(loan=loan).get("4100", Z) for loan in loans] == [
        D("1200.00"),
        Z,
        D("169.14"),
        D("9.99"),
    ]


def test_a_second_loan_open_for_the_same_application_is_refused_and_changes_nothing():
    application = ApplicationFactory()
    first = open_loan(application)
    before = (_rows(first), list(Posting.objects.values_list("pk", "debit", "credit")))

    with pytest.raises(services.LoanAlreadyOpen):
        open_loan(application, annual_rate=D("0.09"))

    assert Loan.objects.filter(origin_ref=str(application)).count() == 1
    assert Loan.objects.count() == 1
    assert JournalEntry.objects.count() == 1
    assert (_rows(first), list(Posting.objects.values_list("pk", "debit", "credit"))) == before
    assert selectors.loan_for_origin(str(application)) == first


def test_a_refused_second_open_inside_the_callers_transaction_leaves_it_usable():
    application = ApplicationFactory()
    with transaction.atomic():
        first = open_loan(application)
        with pytest.raises(services.LoanAlreadyOpen):
            open_loan(application)
        assert Loan.objects.get(origin_ref=str(application)) == first


def test_the_database_itself_refuses_a_second_loan_for_an_application():
    loan = open_loan()
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(
            **{f.attname: getattr(loan, f.attname) for f in Loan._meta.concrete_fields if f.attname != "id"}
        )
    assert Loan.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": dt.date(2026, 9, 1)}, "start_date"),
        ({"annual_rate": D("-0.01")}, "annual_rate"),
        ({"annual_rate": D("0.0612345678")}, "annual_rate"),
        ({"fees": [{"type": "upfront", "amount": D("100000.00")}]}, "fees"),
        ({"grace": {"periods": 12, "type": "interest_only"}}, "grace"),
        ({"principal": D("100.001")}, "principal"),
        # 0.01 disbursed, 100.00 back a week later: an APR of about 10**210 (hypothesis found it)
        (
            {
                "principal": D("100.00"),
                "term": 1,
                "frequency": "weekly",
                "fees": [{"type": "upfront", "amount": D("99.99")}],
            },
            "fees",
        ),
    ],
    ids=[
        "start-date-is-not-a-term",
        "negative-rate",
        "rate-too-precise",
        "fees-eat-proceeds",
        "grace",
        "sub-cent",
        "annual-cost-beyond-statement",
    ],
)
def test_terms_that_cannot_be_pinned_are_refused_and_nothing_is_written(overrides, field):
    application = ApplicationFactory()
    with pytest.raises(services.LoanTermsInvalid) as caught:
        loan_open_for(
            application,
            terms=terms_for(application, **overrides),
            disbursed_on=DISBURSED_ON,
            actor=None,
        )
    assert field in caught.value.errors
    assert (Loan.objects.count(), LoanInstallment.objects.count(), JournalEntry.objects.count()) == (0, 0, 0)


def test_missing_terms_are_refused():
    application = ApplicationFactory()
    terms = terms_for(application)
    del terms["day_count"], terms["fees"]
    with pytest.raises(services.LoanTermsInvalid) as caught:
        loan_open_for(application, terms=terms, disbursed_on=DISBURSED_ON, actor=None)
    assert caught.value.errors == {"day_count": ["required"], "fees": ["required"]}
    assert Loan.objects.count() == 0


def test_optional_terms_may_be_left_out():
    application = ApplicationFactory()
    terms = terms_for(application)
    del terms["grace"], terms["interest_free_periods"], terms["first_due_date"]
    loan = loan_open_for(application, terms=terms, disbursed_on=DISBURSED_ON, actor=None)
    assert (loan.grace, loan.interest_free_periods, loan.disbursed_by) == (None, 0, None)
    assert loan.first_due_date == dt.date(2026, 10, 15)


def test_loan_for_origin_is_none_before_disbursement():
    application = ApplicationFactory()
    assert selectors.loan_for_origin(str(application)) is None
    loan = open_loan(application)
    assert selectors.loan_for_origin(str(application)) == loan


def test_a_loan_can_be_closed_only_through_its_transition():
    loan = open_loan()
    with pytest.raises(AttributeError):
        loan.status = "closed"
    with pytest.raises(TransitionNotAllowed):  # principal is still owed
        loan.close()
    assert loan.status == "active"
