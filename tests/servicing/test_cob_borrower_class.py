"""One borrower's worst loan pulls the others (a product's setting), as the last closed business
date classified it: the same result whichever chunk of a close runs first (chunks of one date run
in parallel on the workers), and the pull shows a day later.

Two loans of one borrower, each its own chunk (chunk size 1); the officer's class makes the first
substandard. Closed with its chunks in id order and again in reverse order (each rolled back), the
date gives the same classes: the first substandard by its own class, the second still pass. Its
stored class alone would have made the second substandard only when the first's chunk ran first.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from loanhub import clock, roles
from servicing import cob
from servicing.calendar import open_business_date
from servicing.choices import Classification
from servicing.models import Loan, LoanSnapshot
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

pytestmark = pytest.mark.django_db

PASS, SUBSTANDARD = Classification.PASS, Classification.SUBSTANDARD


@pytest.fixture
def two_loans(settings):
    settings.LOANHUB_COB_CHUNK_SIZE = 1
    officer = UserFactory(username="pull-officer", role=roles.LOAN_OFFICER)
    version = active_version(worst_loan_classification=True)
    customer = CustomerFactory()
    start = clock.today() - dt.timedelta(days=10)
    loans = [
        open_loan(
            ApplicationFactory(customer=customer, product_version=version), actor=officer, disbursed_on=start
        )
        for _ in range(2)
    ]
    cob.close_through(start, start=start)
    return sorted(loans, key=lambda loan: loan.pk)


def _classes(loans) -> list[str]:
    return [Loan.objects.get(pk=loan.pk).classification for loan in loans]


def _close(day: dt.date, *, reverse: bool = False) -> None:
    run = cob.start_run(day, day, dispatch=False)
    chunks = list(run.chunks.order_by("number").values_list("pk", flat=True))
    assert len(chunks) == 2  # one loan a chunk
    for chunk_id in reversed(chunks) if reverse else chunks:
        assert cob.run_chunk(chunk_id, chain=False)


def test_the_worst_loan_pulls_the_other_a_day_later_whichever_chunk_runs_first(two_loans):
    worst, other = two_loans
    assert [loan.worst_loan_classification for loan in two_loans] == [True, True]  # the product's
    assert _classes(two_loans) == [PASS, PASS]
    Loan.objects.filter(pk=worst.pk).update(classification_override=SUBSTANDARD)
    day = open_business_date()

    closed = {}
    for reverse in (False, True):
        with transaction.atomic():
            _close(day, reverse=reverse)
            closed[reverse] = _classes(two_loans)
            transaction.set_rollback(True)
    assert closed[False] == closed[True] == [SUBSTANDARD, PASS]

    _close(day)
    cob.close_through(day + dt.timedelta(days=1))
    assert _classes(two_loans) == [SUBSTANDARD, SUBSTANDARD]
    snapshots = LoanSnapshot.objects.filter(loan_id=other.pk).order_by("business_date")
    assert list(snapshots.values_list("business_date", "classification"))[-2:] == [
        (day, PASS),
        (day + dt.timedelta(days=1), SUBSTANDARD),
    ]


def test_without_the_products_setting_each_loan_keeps_its_own_class(two_loans):
    worst, other = two_loans
    Loan.objects.filter(pk=other.pk).update(worst_loan_classification=False)
    Loan.objects.filter(pk=worst.pk).update(classification_override=SUBSTANDARD)
    cob.close_through(open_business_date() + dt.timedelta(days=2))
    assert _classes(two_loans) == [SUBSTANDARD, PASS]
