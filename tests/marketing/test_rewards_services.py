"""Points earned on on-time repayments through servicing's hook, reversed exactly with their
payment, expired on their day, and idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from marketing.rewards import selectors, services
from marketing.rewards.models import EntryKind, PointsEntry
from servicing import repayments
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, open_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return UserFactory(username="officer-p", role=roles.LOAN_OFFICER)


@pytest.fixture
def borrower():
    return CustomerFactory(user__username="points-owner")


def _loan(customer, officer, *, months_ago: int = 1):
    disbursed = clock.today() - relativedelta(months=months_ago) - dt.timedelta(days=1)
    return open_loan(ApplicationFactory(customer=customer), actor=officer, disbursed_on=disbursed, fees=[])


def _points(customer) -> list[tuple[str, int, int | None]]:
    return list(
        PointsEntry.objects.filter(account__customer=customer)
        .order_by("id")
        .values_list("kind", "points", "installment")
    )


def test_an_installment_paid_on_its_due_date_earns_points_once(borrower, officer, settings):
    settings.LOANHUB_POINTS_PER_ON_TIME_INSTALLMENT = 10
    loan = _loan(borrower, officer)
    first = loan.installments.get(number=1)
    repayments.repayment_post(loan=loan, amount=first.payment, value_date=first.due_date, actor=officer)
    assert _points(borrower) == [(EntryKind.EARN_ON_TIME, 10, 1)]
    entry = PointsEntry.objects.get()
    assert entry.expires_on == clock.today() + dt.timedelta(days=365)
    # A second sync (a hook delivered twice, close of business) books nothing more.
    assert services.points_sync_loan(loan_id=loan.pk, customer_id=borrower.pk) == []
    assert selectors.rewards_summary(customer=borrower)["balance"] == 10


def test_a_late_installment_earns_nothing(borrower, officer):
    loan = _loan(borrower, officer, months_ago=2)
    first = loan.installments.get(number=1)
    late = first.due_date + dt.timedelta(days=3)
    repayments.repayment_post(loan=loan, amount=first.payment + 50, value_date=late, actor=officer)
    first.refresh_from_db()
    assert first.paid_on == late
    assert _points(borrower) == []


def test_a_reversed_payment_reverses_exactly_its_points_even_when_spent(borrower, officer, settings):
    settings.LOANHUB_POINTS_PER_ON_TIME_INSTALLMENT = 30
    settings.LOANHUB_POINTS_PER_BP = 10
    loan = _loan(borrower, officer)
    first = loan.installments.get(number=1)
    repayment = repayments.repayment_post(
        loan=loan, amount=first.payment, value_date=first.due_date, actor=officer
    )
    assert services.points_redeem_for_offer(customer_id=borrower.pk, application_id=999, points=20) == 2
    repayments.repayment_reverse(repayment=repayment, reason="bounced debit", actor=officer)
    assert _points(borrower) == [
        (EntryKind.EARN_ON_TIME, 30, 1),
        (EntryKind.REDEEM, -20, None),
        (EntryKind.REVERSE, -30, 1),
    ]
    summary = selectors.rewards_summary(customer=borrower)
    assert summary["balance"] == -20  # spent points taken back: settled by the next earnings
    assert summary["available"] == 0
    # Paid again on time (a backdated payment): earned again, once.
    repayments.repayment_post(loan=loan, amount=first.payment, value_date=first.due_date, actor=officer)
    assert _points(borrower)[-1] == (EntryKind.EARN_ON_TIME, 30, 1)
    assert selectors.rewards_summary(customer=borrower)["balance"] == 10


def test_points_expire_on_their_day_and_the_expiry_is_written_once(borrower, officer, settings):
    settings.LOANHUB_POINTS_EXPIRY_DAYS = 30
    loan = _loan(borrower, officer)
    first = loan.installments.get(number=1)
    repayments.repayment_post(loan=loan, amount=first.payment, value_date=first.due_date, actor=officer)
    earned_on = clock.today()
    expiry_day = earned_on + dt.timedelta(days=30)
    with time_machine.travel(dt.datetime.combine(expiry_day - dt.timedelta(days=1), dt.time(12)), tick=False):
        summary = selectors.rewards_summary(customer=borrower)
        assert summary["balance"] == 10
        assert summary["expiring"] == [{"points": 10, "expires_on": expiry_day}]
        assert services.points_expire_due() == 0
    with time_machine.travel(dt.datetime.combine(expiry_day, dt.time(12)), tick=False):
        assert selectors.rewards_summary(customer=borrower)["balance"] == 0  # before the job too
        assert services.points_expire_due() == 1
        assert services.points_expire_due() == 0
    assert _points(borrower) == [(EntryKind.EARN_ON_TIME, 10, 1), (EntryKind.EXPIRE, -10, None)]


def test_the_ledger_is_append_only(borrower, officer):
    loan = _loan(borrower, officer)
    first = loan.installments.get(number=1)
    repayments.repayment_post(loan=loan, amount=first.payment, value_date=first.due_date, actor=officer)
    entry = PointsEntry.objects.get()
    entry.points = 1000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        PointsEntry.objects.update(points=1000)
    with pytest.raises(TypeError):
        entry.delete()
    assert PointsEntry.objects.get().points == 10


def test_redemption_refusals_write_nothing(borrower, settings):
    settings.LOANHUB_POINTS_PER_BP = 10
    settings.LOANHUB_POINTS_MAX_DISCOUNT_BPS = 5
    from loanhub.errors import Invalid

    for points, message in [
        (15, "must be a multiple of 10 points"),
        (60, "at most 50 points"),
        (10, "you have 0 points to spend"),
    ]:
        with pytest.raises(Invalid) as refused:
            services.points_redeem_for_offer(customer_id=borrower.pk, application_id=1, points=points)
        assert message in refused.value.errors["redeem_points"][0]
    assert PointsEntry.objects.count() == 0


def test_close_of_business_hook_syncs_the_loans_due_that_day(borrower, officer, settings):
    settings.LOANHUB_POINTS_PER_ON_TIME_INSTALLMENT = 10
    loan = _loan(borrower, officer)
    first = loan.installments.get(number=1)
    repayments.repayment_post(loan=loan, amount=first.payment, value_date=first.due_date, actor=officer)
    assert services.points_sync_due_on(business_date=first.due_date) == 1
    assert services.points_sync_due_on(business_date=first.due_date - dt.timedelta(days=1)) == 0
    assert _points(borrower) == [(EntryKind.EARN_ON_TIME, 10, 1)]


def test_a_closed_business_date_syncs_points_through_servicings_hook(
    borrower, officer, settings, django_capture_on_commit_callbacks
):
    from servicing import hooks

    settings.LOANHUB_POINTS_AFTER_COB = True
    loan = _loan(borrower, officer)
    first = loan.installments.get(number=1)
    repayments.repayment_post(loan=loan, amount=first.payment, value_date=first.due_date, actor=officer)
    PointsEntry.objects.all()._raw_delete(PointsEntry.objects.db)  # as if earned nowhere yet
    with django_capture_on_commit_callbacks(execute=True):
        hooks.cob_finished(business_date=first.due_date)
    assert _points(borrower) == [(EntryKind.EARN_ON_TIME, 10, 1)]
    settings.LOANHUB_POINTS_AFTER_COB = False
    PointsEntry.objects.all()._raw_delete(PointsEntry.objects.db)
    with django_capture_on_commit_callbacks(execute=True):
        hooks.cob_finished(business_date=first.due_date)
    assert _points(borrower) == []
