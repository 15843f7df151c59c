"""Properties of prepayment quotes on a live loan (hypothesis): a payoff is the outstanding
principal + interest accrued + fee; a partial prepayment takes exactly the amount off the
principal; reduce_installment keeps the number of installments, shorten_term never adds any."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicing import prepayments, repayments
from servicing.calendar import open_business_date
from servicing.models import Loan
from tests.servicing.test_prepayments import _loan

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=D("1.00"), max_value=D("150000.00"), places=2, allow_nan=False)
modes = st.sampled_from(["reduce_installment", "shorten_term"])
rates = st.decimals(min_value=D("0"), max_value=D("0.05"), places=4, allow_nan=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=amounts, mode=modes, rate=rates)
def test_quote_properties(people, amount, mode, rate):
    loan = Loan.objects.filter(customer=people["owner_loan"].customer, principal=D("100000.00")).first()
    if loan is None or loan.pk == people["owner_loan"].pk:
        loan = _loan(people)
    Loan.objects.filter(pk=loan.pk).update(prepayment_terms={"fee_kind": "percent", "fee_rate": str(rate)})
    loan.refresh_from_db()
    today = open_business_date()
    remaining = loan.installments.filter(due_date__gt=today).count()
    outstanding = loan.principal_outstanding

    quote = prepayments.prepayment_quote(loan=loan, amount=amount, mode=mode)

    assert quote["total"] == quote["principal"] + quote["interest"] + quote["fee"] + quote["other_due"]
    if amount >= outstanding:
        assert quote["closes_loan"] is True
        assert quote["principal"] == outstanding
        assert quote["new_schedule"] == []
        payoff = repayments.payoff_quote(loan)
        assert quote["total"] == payoff["total"] + quote["fee"]
        assert quote["fee"] == (outstanding * rate).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    else:
        assert quote["principal"] == amount
        assert quote["fee"] == (amount * rate).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert sum(r["principal"] for r in quote["new_schedule"]) == outstanding - amount
        assert quote["new_schedule"][-1]["balance"] == 0
        if mode == "reduce_installment":
            assert len(quote["new_schedule"]) == remaining
        else:
            assert len(quote["new_schedule"]) <= remaining
        assert quote["interest_saved"] >= 0
