"""Two disbursements of one application racing on PostgreSQL: exactly one loan is opened.

Runs only against PostgreSQL (SQLite serialises writers, so there is no race to lose) and is
required in CI through LOANHUB_REQUIRE_SERVICES=1 (see the root conftest.py).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from applications.models import LoanApplication
from servicing import services
from servicing.models import JournalEntry, Loan, LoanInstallment
from tests.servicing.factories import DISBURSED_ON, ApplicationFactory, loan_open_for, terms_for


def _race(application, *, lock: bool) -> list[str]:
    """Two threads disburse the same application at once; their outcomes."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def disburse():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                target = application
                if lock:  # what the applications service does
                    target = LoanApplication.objects.select_for_update().get(pk=application.pk)
                loan_open_for(target, terms=terms_for(application), disbursed_on=DISBURSED_ON, actor=None)
            outcomes.append("opened")
        except services.LoanAlreadyOpen:
            outcomes.append("refused")
        except Exception as exc:  # reported by the assertion below
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=disburse) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.services("postgres")
# Flushing between transactional tests empties the chart of accounts; post_migrate restores it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lock", [True, False], ids=["application-locked", "unlocked-unique-constraint"])
def test_concurrent_double_disbursement_opens_exactly_one_loan(lock):
    application = ApplicationFactory()

    outcomes = _race(application, lock=lock)

    assert outcomes == ["opened", "refused"]
    loan = Loan.objects.get(origin_ref=str(application))
    assert Loan.objects.count() == 1
    assert JournalEntry.objects.filter(loan=loan).count() == JournalEntry.objects.count() == 1
    assert LoanInstallment.objects.filter(loan=loan).count() == LoanInstallment.objects.count() == 12
