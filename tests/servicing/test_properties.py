"""Property: for any valid terms, the disbursement entry balances and receivable = principal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from products.engine import quantize_money
from servicing import selectors
from servicing.models import JournalEntry
from servicing.services import LoanTermsInvalid
from tests.servicing.factories import DISBURSED_ON, ApplicationFactory, loan_open_for, terms_for

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=100_00, max_value=5_000_000_00).map(lambda n: Decimal(n) / 100)
rates = st.integers(min_value=0, max_value=360_000).map(lambda n: Decimal(n) / 1_000_000)
fee = st.one_of(
    st.integers(min_value=0, max_value=50_000).map(lambda n: {"type": "upfront", "amount": Decimal(n) / 100}),
    st.integers(min_value=0, max_value=500).map(
        lambda n: {"type": "upfront_percent", "rate": Decimal(n) / 10_000}
    ),
    st.integers(min_value=0, max_value=2_000).map(lambda n: {"type": "periodic", "amount": Decimal(n) / 100}),
    st.integers(min_value=0, max_value=50).map(
        lambda n: {"type": "periodic_percent", "rate": Decimal(n) / 100_000}
    ),
)


@st.composite
def loan_terms(draw) -> dict:
    term = draw(st.integers(min_value=1, max_value=120))
    grace_periods = draw(st.integers(min_value=0, max_value=min(term - 1, 6)))
    return {
        "principal": draw(cents),
        "annual_rate": draw(rates),
        "term": term,
        "frequency": draw(st.sampled_from(["weekly", "monthly", "quarterly", "semiannual"])),
        "method": draw(st.sampled_from(["annuity", "equal_principal", "interest_only", "bullet"])),
        "day_count": draw(st.sampled_from(["30/360", "ACT/365", "ACT/360"])),
        "fees": draw(st.lists(fee, max_size=3)),
        "grace": {"periods": grace_periods, "type": draw(st.sampled_from(["interest_only", "capitalised"]))}
        if grace_periods
        else None,
        "interest_free_periods": draw(st.integers(min_value=0, max_value=term - grace_periods)),
    }


def _upfront(terms: dict) -> Decimal:
    total = Decimal("0.00")
    for fee in terms["fees"]:
        if fee["type"] == "upfront":
            total += fee["amount"]
        elif fee["type"] == "upfront_percent":
            total += quantize_money(terms["principal"] * fee["rate"])
    return total


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(terms=loan_terms())
def test_the_disbursement_entry_balances_and_receivable_equals_principal(version, terms):
    assume(_upfront(terms) < terms["principal"])  # else the engine refuses: no net proceeds
    application = ApplicationFactory(product_version=version)
    try:
        loan = loan_open_for(
            application,
            terms=terms_for(application, **terms),
            disbursed_on=DISBURSED_ON,
            actor=None,
        )
    except LoanTermsInvalid as refused:
        errors = refused.errors
    else:
        errors = None
    if errors is not None:
        # Only fees that leave next to nothing to disburse on a short schedule: an annual cost
        # too large to state (tests/servicing/test_services_loan_open.py).
        assert set(errors) == {"fees"}
        assert _upfront(terms) > terms["principal"] / 2
        reject()
    entry = JournalEntry.objects.get(loan=loan)
    legs = list(entry.postings.values_list("account__code", "debit", "credit"))
    assert sum(d for _, d, _ in legs) == sum(c for _, _, c in legs) == loan.principal
    balances = selectors.loan_ledger_balances(loan=loan)
    assert balances["1100"] == loan.principal == terms["principal"]
    assert -balances["2100"] == loan.net_proceeds
    assert -balances.get("4100", Decimal("0.00")) == loan.principal - loan.net_proceeds
    assert loan.installments.count() == terms["term"]
    assert sum(loan.installments.values_list("principal", flat=True)) == loan.principal
