"""Close of business racing other work on PostgreSQL (threads with connections of their own).

A repayment for a loan whose chunk is running waits for the chunk, then lands on the loan the
chunk has moved (valued on the open business date, the date being closed); the same chunk
delivered twice at once is booked once. SQLite serialises writers, so there is no race there.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from loanhub import clock, roles
from servicing import cob, quiet, repayments, tasks
from servicing.calendar import last_closed_date, open_business_date
from servicing.choices import CobStatus, InstallmentStatus
from servicing.cob import setbased
from servicing.models import CobRun, JournalEntry, Loan, LoanSnapshot
from tests.products.factories import UserFactory
from tests.servicing.cob_helpers import _catch_up, _check_against_replay, _state, check_ledger
from tests.servicing.factories import ApplicationFactory, active_version, open_loan

pytestmark = [pytest.mark.services("postgres"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(settings):
    """Three loans, 40 days after disbursement: the first installment is overdue."""
    settings.LOANHUB_COB_CHUNK_SIZE = 10
    start = clock.today() - dt.timedelta(days=70)
    officer = UserFactory(username="cob-officer", role=roles.LOAN_OFFICER)
    loans = [
        open_loan(ApplicationFactory(product_version=active_version()), actor=officer, disbursed_on=start)
        for _ in range(3)
    ]
    first = start + dt.timedelta(days=40)
    cob.close_through(first, start=first)
    assert all(loan.days_past_due > 0 for loan in Loan.objects.all())
    return officer, loans


def _in_thread(target, results: list, name: str) -> threading.Thread:
    def run():
        try:
            results.append((name, target()))
        except Exception as exc:  # reported by the assertions
            results.append((name, exc))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _hold_chunk(monkeypatch, *, inside: threading.Event, release: threading.Event) -> None:
    """The set-based statement signals when it starts (the chunk's loans locked) and waits."""
    original = setbased.close_chunk

    def close_chunk(**kwargs):
        inside.set()
        assert release.wait(20)
        return original(**kwargs)

    monkeypatch.setattr(setbased, "close_chunk", close_chunk)


def test_a_repayment_during_a_chunk_waits_for_it_and_then_lands_on_the_moved_loan(book, monkeypatch):
    officer, loans = book
    assert cob.set_based()
    day = open_business_date()
    loan, twin = (Loan.objects.get(pk=row.pk) for row in loans[:2])  # the same terms and dates
    overdue = repayments.loan_position(loan, as_of=day).due_today()
    assert overdue > 0
    assert repayments.loan_position(twin, as_of=day).due_today() == overdue
    # The twin pays the same amount on the same date, before close of business starts.
    repayments.repayment_post(loan=twin, amount=overdue, actor=officer)
    run = cob.start_run(day, day, dispatch=False)
    [chunk_id] = run.chunks.values_list("pk", flat=True)
    inside, release = threading.Event(), threading.Event()
    _hold_chunk(monkeypatch, inside=inside, release=release)
    results: list = []

    chunk = _in_thread(lambda: cob.run_chunk(chunk_id), results, "chunk")
    assert inside.wait(20)
    pay = _in_thread(
        lambda: repayments.repayment_post(loan=loan.pk, amount=overdue, actor=officer), results, "repayment"
    )
    time.sleep(1)
    assert pay.is_alive()  # waiting for the chunk's lock on the loan
    assert results == []
    release.set()
    chunk.join(30)
    pay.join(30)

    assert sorted(name for name, _ in results) == ["chunk", "repayment"]
    outcome = dict(results)
    assert outcome["chunk"] is True
    repayment = outcome["repayment"]
    assert not isinstance(repayment, Exception), repayment
    assert repayment.value_date == day  # the open date: the one being closed
    assert repayment.amount == overdue
    assert repayment.overpayment == Decimal("0.00")
    assert CobRun.objects.get(business_date=day).status == CobStatus.DONE
    assert last_closed_date() == day
    loan.refresh_from_db()
    assert loan.position_date == day + dt.timedelta(days=1)
    assert loan.days_past_due == 0
    assert loan.penalty_due == Decimal("0.00")
    assert loan.installments.get(number=1).status == InstallmentStatus.PAID
    assert LoanSnapshot.objects.filter(business_date=day).count() == 3
    # After the next close (which brings provisions up to date) the loan stands as its twin, and
    # every loan as its replay; the ledger balances.
    cob.close_through(day + dt.timedelta(days=1))
    _catch_up([(loan, ""), (twin, "")])  # either may be quiet, its row a day behind
    assert _state(loan) == _state(twin)
    _check_against_replay([(row, "") for row in loans])
    check_ledger()


def test_the_same_chunk_delivered_twice_at_once_is_booked_once(book, monkeypatch):
    day = open_business_date()
    run = cob.start_run(day, day, dispatch=False)
    [chunk_id] = run.chunks.values_list("pk", flat=True)
    inside, release = threading.Event(), threading.Event()
    _hold_chunk(monkeypatch, inside=inside, release=release)
    entries = JournalEntry.objects.count()
    results: list = []

    first = _in_thread(lambda: tasks.cob_chunk.apply(args=[chunk_id]).get(), results, "first")
    assert inside.wait(20)
    second = _in_thread(lambda: tasks.cob_chunk.apply(args=[chunk_id]).get(), results, "second")
    time.sleep(0.5)
    assert second.is_alive()  # waiting for the first delivery's lock on the chunk
    release.set()
    first.join(30)
    second.join(30)

    assert dict(results) == {"first": True, "second": False}
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.loans) == (CobStatus.DONE, 1, 3)
    assert run.chunks.get().attempts == 1
    assert JournalEntry.objects.count() == entries + 1
    assert JournalEntry.objects.filter(idempotency_key=f"cob:{day}:1").count() == 1
    assert LoanSnapshot.objects.filter(business_date=day).count() == 3
    assert {quiet.standing_date(loan) for loan in Loan.objects.all()} == {day + dt.timedelta(days=1)}
    check_ledger()
