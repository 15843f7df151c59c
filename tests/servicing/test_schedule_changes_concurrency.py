"""Races on PostgreSQL: two officers approving one deferral at once apply it once, and two
prepayments with one Idempotency-Key post once (the loan's row lock serialises them)."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from loanhub import roles
from loanhub.errors import DomainError
from servicing import deferrals, prepayments
from servicing.models import Loan, Repayment, ScheduleChange
from tests.products.factories import UserFactory
from tests.servicing.test_prepayments import _loan


def _race(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("done")
        except DomainError as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # reported by the assertion
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_once_apply_the_deferral_once(people, settings):
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("1000000")
    loan = _loan(people)
    second = UserFactory(username="officer2", role=roles.LOAN_OFFICER)
    change = deferrals.deferral_request(loan=loan, installments=1, reason="r", actor=people["owner"])

    outcomes = _race(
        lambda: deferrals.deferral_approve(change_id=change.pk, actor=people["officer"]),
        lambda: deferrals.deferral_approve(change_id=change.pk, actor=second),
    )

    assert outcomes == ["Conflict", "done"]
    assert Loan.objects.get(pk=loan.pk).schedule_version == 1


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_one_key_twice_at_once_posts_one_prepayment(people):
    loan = _loan(people)

    def post():
        prepayments.prepayment_post(
            loan=loan.pk, amount=D("5000.00"), actor=people["owner"], idempotency_key="same", request_hash="h"
        )

    outcomes = _race(post, post)

    assert outcomes == ["done", "done"]
    assert ScheduleChange.objects.filter(loan=loan).count() == 1
    assert Repayment.objects.filter(loan=loan, reference="prepayment").count() == 1
