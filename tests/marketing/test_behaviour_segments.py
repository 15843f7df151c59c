"""Behaviour tags are catalogue segments (issue 16): a product promotion for `loyal` customers is
in the quote a loyal customer gets through the API, and in no one else's; and the one on-time
definition (servicing.behaviour: by the due date plus the loan's grace days) is what the segments,
the limit-growth rule, the reward points, the funnel and the recommender count, at the grace
boundary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from marketing import rules
from products import choices as pc
from servicing.behaviour import customer_on_time_counts
from servicing.limits import repayment_histories
from servicing.selectors import (
    customer_repayment_record,
    customer_segments_now,
    loan_installments_paid_on_time,
    loans_on_time_after_months,
)
from tests.marketing.test_segment_behaviour import TODAY, YEAR, _today, due_dates, loan, pay  # noqa: F401
from tests.products.factories import PromotionFactory
from tests.servicing.factories import CustomerFactory, active_version

pytestmark = pytest.mark.django_db


def _paid_on_time(loan_) -> None:
    pay(loan_, {n: day for n, day in enumerate(due_dates(loan_), start=1) if day < TODAY})


def _quote(user, version) -> dict:
    api = APIClient()
    api.force_authenticate(user)
    body = {"amount": str(version.representative_amount), "term": version.representative_term}
    response = api.post(f"/api/v1/products/{version.product.code}/quote/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_promotion_for_loyal_customers_is_in_a_loyal_customers_quote_only():
    version = active_version()
    PromotionFactory(
        version=version,
        code="loyal50",
        kind=pc.PromotionKind.RATE_DISCOUNT,
        discount_bps=50,
        segments=[pc.Segment.LOYAL],
        starts_on=TODAY - dt.timedelta(days=30),
        ends_on=TODAY + dt.timedelta(days=30),
    )
    # Given a loyal customer (15 months on book, every installment on time), a newcomer, and a
    # borrower paying on time but with 11 months on book (not loyal yet)
    loyal, newcomer, short = (CustomerFactory() for _ in range(3))
    _paid_on_time(loan(loyal, on=dt.date(YEAR, 3, 10), term=24))
    _paid_on_time(loan(short, on=dt.date(YEAR, 7, 10)))

    assert pc.Segment.LOYAL in customer_segments_now(loyal)
    assert pc.Segment.LOYAL not in customer_segments_now(short)
    assert customer_segments_now(newcomer) >= {pc.Segment.NEW_CUSTOMER}
    assert pc.Segment.LOYAL not in customer_segments_now(newcomer)

    # When each asks the quote API for the same loan
    as_loyal = _quote(loyal.user, version)
    as_newcomer = _quote(newcomer.user, version)
    as_short = _quote(short.user, version)

    # Then only the loyal customer's quote applies the promotion: 50 bp off, a lower APR
    assert as_loyal["promotions_applied"] == ["loyal50"]
    assert as_newcomer["promotions_applied"] == []
    assert as_short["promotions_applied"] == []
    assert as_newcomer["annual_rate"] == as_short["annual_rate"]
    rate = D(as_newcomer["annual_rate"])
    assert D(as_loyal["annual_rate"]) == rate - D("0.005")
    assert D(as_loyal["summary"]["apr"]) < D(as_newcomer["summary"]["apr"])
    # The segments the campaigns select on say the same (one definition)
    assert rules.evaluate({"tags": ["loyal"]}) == [loyal.pk]


def test_paid_on_the_last_grace_day_is_on_time_and_a_day_later_is_late_for_segments_and_limits():
    # Given a loan with 3 grace days: installment 1 paid on its last grace day, installment 2 a day
    # after it, the rest (due before today) on their due dates
    customer = CustomerFactory()
    graced = loan(customer, on=dt.date(YEAR + 1, 1, 10), grace_days=3)
    dues = due_dates(graced)
    due_so_far = [day for day in dues if day < TODAY - dt.timedelta(days=3)]
    assert len(due_so_far) == 5
    pay(
        graced,
        {n: day for n, day in enumerate(due_so_far, start=1)}
        | {1: dues[0] + dt.timedelta(days=3), 2: dues[1] + dt.timedelta(days=4)},
    )

    # Then marketing's segments and the limit-growth rule count the same: 5 due, 4 on time, 1 late
    assert customer_on_time_counts(customers=[customer.pk], as_of=TODAY) == {customer.pk: (5, 4)}
    history = repayment_histories(as_of=TODAY, customer_ids=[customer.pk])[customer.pk]
    assert (history.payments_due, history.paid_on_time, history.late_recently) == (5, 4, 1)
    assert str(history.on_time_ratio) == "0.8000"
    assert rules.evaluate({"on_time_ratio_min": "0.8"}) == [customer.pk]
    assert rules.evaluate({"on_time_ratio_min": "0.81"}) == []
    # and so do the reward points (installments earning on-time points), the campaign funnel's
    # "on time after 3 months" and the recommender's repayment record
    assert loan_installments_paid_on_time(loan_id=graced.pk) == [1, 3, 4, 5]
    assert loans_on_time_after_months(origin_refs=[graced.origin_ref], today=TODAY) == {
        graced.origin_ref: False
    }
    record = customer_repayment_record(customer_id=customer.pk, today=TODAY)
    assert (record["installments_due"], record["paid_on_time"]) == (5, 4)

    # When the second is moved onto its last grace day too, all say every one was on time
    pay(graced, {2: dues[1] + dt.timedelta(days=3)})
    assert customer_on_time_counts(customers=[customer.pk], as_of=TODAY) == {customer.pk: (5, 5)}
    history = repayment_histories(as_of=TODAY, customer_ids=[customer.pk])[customer.pk]
    assert (history.payments_due, history.paid_on_time, history.late_recently) == (5, 5, 0)
    assert loan_installments_paid_on_time(loan_id=graced.pk) == [1, 2, 3, 4, 5]
    assert loans_on_time_after_months(origin_refs=[graced.origin_ref], today=TODAY) == {
        graced.origin_ref: True
    }
    record = customer_repayment_record(customer_id=customer.pk, today=TODAY)
    assert (record["installments_due"], record["paid_on_time"]) == (5, 5)


def test_an_unpaid_installment_inside_its_grace_days_is_neither_due_nor_late_for_the_limits():
    customer = CustomerFactory()
    graced = loan(customer, on=dt.date(YEAR + 1, 1, 13), grace_days=3)
    dues = due_dates(graced)
    # Four paid on their due dates; the fifth (13 June) unpaid and inside its grace days (to 16 June)
    pay(graced, {n: dues[n - 1] for n in range(1, 5)} | {5: None})
    history = repayment_histories(as_of=TODAY, customer_ids=[customer.pk])[customer.pk]
    assert (history.payments_due, history.paid_on_time, history.late_recently) == (4, 4, 0)
    assert customer_on_time_counts(customers=[customer.pk], as_of=TODAY) == {customer.pk: (4, 4)}


def test_a_sends_recipients_behaviour_tags_are_read_once_for_all_of_them(monkeypatch):
    from marketing import personalise
    from servicing import behaviour

    loyal, newcomer, short = (CustomerFactory() for _ in range(3))
    _paid_on_time(loan(loyal, on=dt.date(YEAR, 3, 10), term=24))
    _paid_on_time(loan(short, on=dt.date(YEAR, 7, 10)))
    calls = []
    read = behaviour.customer_behaviour_tags

    def counted(**kwargs):
        calls.append(sorted(kwargs["customers"]))
        return read(**kwargs)

    monkeypatch.setattr(behaviour, "customer_behaviour_tags", counted)
    campaign = type("C", (), {"promotion": None})()
    chooser = personalise.ProductChooser(campaign, customer_ids=[loyal.pk, newcomer.pk, short.pk])
    assert chooser._behaviour_of(loyal.pk) == {pc.Segment.LOYAL}
    assert chooser._behaviour_of(short.pk) == frozenset()
    assert chooser._behaviour_of(newcomer.pk) == frozenset()
    assert calls == [sorted([loyal.pk, newcomer.pk, short.pk])]
    # The same segments as read one by one for a quote
    for customer in (loyal, newcomer, short):
        assert customer_segments_now(customer, behaviour=chooser._behaviour_of(customer.pk)) == (
            customer_segments_now(customer)
        )
