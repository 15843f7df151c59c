"""The same bank statement imported twice at the same moment on PostgreSQL: each line's money is
posted (or put in suspense) exactly once, and the other import reports duplicates.

Runs only against PostgreSQL (SQLite serialises writers, so there is no race to lose).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection

from loanhub import clock
from servicing import statements
from servicing.models import JournalEntry, Repayment, StatementImport, StatementLine
from tests.servicing.factories import open_loan
from tests.servicing.test_statements import csv_bytes


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_post_each_line_once():
    loan = open_loan(disbursed_on=clock.today() - relativedelta(months=1) - dt.timedelta(days=3), fees=[])
    day = loan.installments.get(number=1).due_date
    data = csv_bytes(f"{day},100.00,{loan.number},A,", f"{day},55.00,no loan number,B,")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run():
        try:
            barrier.wait(timeout=10)
            statement = statements.import_statement(data=data, file_name="bank.csv", actor=None)
            outcomes.append(f"posted {statement.posted} unmatched {statement.unmatched}")
        except Exception as exc:  # reported by the assertion below
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["posted 0 unmatched 0", "posted 1 unmatched 1"]
    assert StatementImport.objects.count() == 2
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert StatementLine.objects.filter(status="suspense").count() == 1
    assert StatementLine.objects.filter(status="duplicate").count() == 2
    assert JournalEntry.objects.filter(kind="statement_suspense").count() == 1
