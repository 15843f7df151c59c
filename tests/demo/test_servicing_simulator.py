"""The demo's servicing history: every delinquency bucket and class, closed loans, a bounced
debit, a bank statement with lines in suspense, the books balanced, and nothing twice."""

from __future__ import annotations

import pytest
from django.conf import settings

from demo import servicing_simulator
from demo.products import seed_products
from loanhub import roles
from servicing.choices import Classification
from servicing.models import JournalEntry, Loan, Repayment, StatementLine
from tests.products.factories import UserFactory
from tests.servicing.test_repayments import assert_books_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    roles.sync_roles()
    seed_products(
        maker=UserFactory(username="pm-sim", role=roles.PRODUCT_MANAGER),
        checker=UserFactory(username="pm2-sim", role=roles.PRODUCT_MANAGER),
    )
    return UserFactory(username="officer-sim", role=roles.LOAN_OFFICER)


def test_the_simulated_book_has_every_bucket_and_class_balanced_books_and_runs_once(officer):
    loans = servicing_simulator.simulate(officer=officer)

    active = [loan for loan in loans if loan.status == "active"]
    assert {loan.delinquency_bucket for loan in active} == {
        code for code, *_ in settings.LOANHUB_DELINQUENCY_BUCKETS
    }
    assert {loan.classification for loan in active} == set(Classification.values)
    assert sum(loan.status == "closed" for loan in loans) == 3
    assert all(loan.principal_outstanding == 0 for loan in loans if loan.status == "closed")
    # Most borrowers pay: the current book is the largest.
    assert sum(loan.delinquency_bucket == "current" for loan in active) > len(active) / 3
    assert Repayment.objects.filter(status="reversed").count() == 1
    assert set(Repayment.objects.values_list("channel", flat=True)) == {"portal", "branch", "statement"}
    assert StatementLine.objects.filter(status="suspense").count() == 2
    assert StatementLine.objects.filter(status="posted").exists()
    assert {loan.number for loan in loans} == {f"L{90_000_000 + i:08d}" for i in range(1, len(loans) + 1)}
    assert_books_balance(*loans)

    # A second run finds the loans there and writes nothing.
    counts = (Loan.objects.count(), Repayment.objects.count(), JournalEntry.objects.count())
    assert servicing_simulator.simulate(officer=officer) == []
    assert (Loan.objects.count(), Repayment.objects.count(), JournalEntry.objects.count()) == counts
    assert counts[0] == len(loans)
