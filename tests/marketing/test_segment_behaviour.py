"""Segment rules over behaviour (issue 16): products held, months on book, on-time ratio, channels,
RFM scores and behaviour tags, each on a small history built by hand with the members worked out
by hand; field errors; a query count that does not grow with the customers; snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import LoanApplication, State
from loanhub import clock
from marketing import rfm, rules, services
from marketing.models import Segment, SegmentRun, Touch, TouchKind
from servicing.models import CreditLine, CreditLineTransaction, Loan, LoanInstallment, Repayment
from servicing.selectors import customer_on_time_counts
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan
from tests.servicing.lines_helpers import open_line

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _first_year() -> int:
    """The scenario's first year, from the clock: this year or the next with neither it nor the
    year after a leap year, so every day count below is the same whatever the calendar says."""
    year = clock.today().year
    while year % 4 in (0, 3):
        year += 1
    return year


YEAR = _first_year()  # the loans' first year; "today" is 15 June of the year after
TODAY = dt.date(YEAR + 1, 6, 15)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(12), tzinfo=SHANGHAI), tick=False):
        yield


def loan(customer, *, on: dt.date, version=None, grace_days: int = 0, term: int = 12) -> Loan:
    application = ApplicationFactory(customer=customer, **({"product_version": version} if version else {}))
    opened = open_loan(application, disbursed_on=on, term=term)
    if grace_days:
        Loan.objects.filter(pk=opened.pk).update(overdue_grace_days=grace_days)
    return opened


def pay(loan_: Loan, paid_on: dict[int, dt.date | None]) -> None:
    """Settle installments (by number) on the given days; None leaves one unpaid."""
    for number, day in paid_on.items():
        LoanInstallment.objects.filter(loan=loan_, number=number).update(
            paid_on=day, status="paid" if day else "overdue"
        )


def close(loan_: Loan, on: dt.date) -> None:
    Loan.objects.filter(pk=loan_.pk).update(status="closed", closed_on=on)


def repaid(loan_: Loan, day: dt.date, amount: str, **fields) -> Repayment:
    return Repayment.objects.create(
        loan=loan_, amount=D(amount), value_date=day, **({"channel": "portal"} | fields)
    )


def due_dates(loan_: Loan) -> list[dt.date]:
    return list(loan_.installments.order_by("number").values_list("due_date", flat=True))


# --- products held -------------------------------------------------------------------------------
def test_products_are_those_held_now():
    version = active_version()
    line_version = active_version()
    holder, former, written_off, line_holder, frozen_line = (CustomerFactory() for _ in range(5))
    CustomerFactory()  # holds nothing
    loan(holder, on=dt.date(YEAR + 1, 1, 10), version=version)
    close(loan(former, on=dt.date(YEAR + 1, 1, 10), version=version), dt.date(YEAR + 1, 5, 1))
    gone = loan(written_off, on=dt.date(YEAR + 1, 1, 10), version=version)
    Loan.objects.filter(pk=gone.pk).update(status="written_off")
    open_line(
        customer=line_holder, opened_on=dt.date(YEAR + 1, 2, 1), number="C00000001", version=line_version
    )
    frozen = open_line(
        customer=frozen_line, opened_on=dt.date(YEAR + 1, 2, 1), number="C00000002", version=line_version
    )
    CreditLine.objects.filter(pk=frozen.pk).update(status="frozen")

    code, line_code = version.product.code, line_version.product.code
    assert rules.evaluate({"products": [code]}) == [holder.pk]
    assert rules.evaluate({"products": [line_code]}) == [line_holder.pk, frozen_line.pk]
    assert rules.evaluate({"products": [code, line_code]}) == [holder.pk, line_holder.pk, frozen_line.pk]
    CreditLine.objects.filter(pk=frozen.pk).update(status="closed")
    assert rules.evaluate({"products": [line_code]}) == [line_holder.pk]


# --- months on book ------------------------------------------------------------------------------
def test_months_on_book_count_from_the_first_disbursement():
    veteran, newcomer, drawer, undrawn = (CustomerFactory() for _ in range(4))
    loan(veteran, on=dt.date(YEAR, 3, 10))  # 15 full months to TODAY
    loan(veteran, on=dt.date(YEAR + 1, 5, 1))  # a later loan does not restart the count
    loan(newcomer, on=dt.date(YEAR + 1, 5, 20))  # 0 months
    line = open_line(customer=drawer, opened_on=dt.date(YEAR, 1, 5), number="C00000001")
    # The line was opened 17 months ago but first drawn on exactly 12 months ago.
    CreditLineTransaction.objects.create(
        credit_line=line, kind="draw", amount=D("1000.00"), value_date=dt.date(YEAR, 6, 15), channel="portal"
    )
    open_line(customer=undrawn, opened_on=dt.date(YEAR, 1, 5), number="C00000002")  # never drawn: no months

    assert rules.evaluate({"months_on_book_min": 12}) == [veteran.pk, drawer.pk]
    assert rules.evaluate({"months_on_book_max": 0}) == [newcomer.pk]
    assert rules.evaluate({"months_on_book_min": 12, "months_on_book_max": 12}) == [drawer.pk]
    assert rules.evaluate({"months_on_book_min": 13, "months_on_book_max": 14}) == []
    assert rules.evaluate({"months_on_book_min": 0}) == [veteran.pk, newcomer.pk, drawer.pk]


# --- on-time ratio -------------------------------------------------------------------------------
def test_on_time_ratio_counts_the_grace_days():
    late, graceful, fresh = (CustomerFactory() for _ in range(3))
    first = loan(late, on=dt.date(YEAR + 1, 1, 10), grace_days=3)
    second = loan(graceful, on=dt.date(YEAR + 1, 1, 13), grace_days=3)
    loan(fresh, on=dt.date(YEAR + 1, 6, 1))
    assert due_dates(first)[:6] == [dt.date(YEAR + 1, m, 10) for m in range(2, 8)]
    assert due_dates(second)[:5] == [dt.date(YEAR + 1, m, 13) for m in range(2, 7)]
    # Five installments due before 15 June: on time, in the grace days, 4 days late, on time and
    # one unpaid whose grace ended on 13 June — 3 of 5 on time.
    pay(
        first,
        {
            1: dt.date(YEAR + 1, 2, 10),
            2: dt.date(YEAR + 1, 3, 13),
            3: dt.date(YEAR + 1, 4, 14),
            4: dt.date(YEAR + 1, 5, 9),
            5: None,
        },
    )
    # Four paid on their due dates; the fifth (13 June) is unpaid but still in its grace days
    # (to 16 June): not counted yet — 4 of 4.
    pay(second, {n: dt.date(YEAR + 1, n + 1, 13) for n in range(1, 5)} | {5: None})

    customers = [late.pk, graceful.pk, fresh.pk]
    assert customer_on_time_counts(customers=customers, as_of=TODAY) == {late.pk: (5, 3), graceful.pk: (4, 4)}
    assert rules.evaluate({"on_time_ratio_min": "0.6"}) == [late.pk, graceful.pk]
    assert rules.evaluate({"on_time_ratio_min": "0.61"}) == [graceful.pk]
    assert rules.evaluate({"on_time_ratio_min": 1}) == [graceful.pk]
    assert rules.evaluate({"on_time_ratio_min": 0}) == [late.pk, graceful.pk]  # none due yet: no ratio
    # Without the grace days, the second installment of `late` would be late: 2 of 5.
    Loan.objects.filter(pk=first.pk).update(overdue_grace_days=0)
    assert customer_on_time_counts(customers=customers, as_of=TODAY)[late.pk] == (5, 2)


# --- channels ------------------------------------------------------------------------------------
def _applied(customer, channel: str, *, submitted: bool = True) -> LoanApplication:
    return ApplicationFactory(
        customer=customer,
        channel=channel,
        state=State.SUBMITTED if submitted else State.DRAFT,
        submitted_at=clock.now() - dt.timedelta(days=30) if submitted else None,
    )


def _touched(customer, channel: str, days_ago: int) -> Touch:
    return Touch.objects.create(
        customer=customer,
        kind=TouchKind.LANDING,
        channel=channel,
        occurred_at=clock.now() - dt.timedelta(days=days_ago),
    )


def test_channels_of_applications_and_of_the_first_touch():
    at_branch, by_sms, drafted, event_goer, hotline = (CustomerFactory() for _ in range(5))
    _applied(at_branch, "branch")
    _applied(by_sms, "web")
    _touched(by_sms, "sms", days_ago=40)  # the first touch
    _touched(by_sms, "branch", days_ago=10)  # a later touch is not the first
    _applied(drafted, "branch", submitted=False)  # a draft was never an application
    _touched(event_goer, "branch", days_ago=5)
    _applied(hotline, "hotline")

    assert rules.evaluate({"channels": ["branch"]}) == [at_branch.pk, event_goer.pk]
    assert rules.evaluate({"channels": ["sms"]}) == [by_sms.pk]
    assert rules.evaluate({"channels": ["web", "hotline"]}) == [by_sms.pk, hotline.pk]
    assert rules.evaluate({"channels": ["email", "app"]}) == []


# --- RFM -----------------------------------------------------------------------------------------
def reference_scores(values: list) -> list[int]:
    """Quintile scores without pandas: 1 + ⌊5 · (r − 1) / n⌋, r the lowest rank of the value."""
    n = len(values)
    return [1 + 5 * sum(1 for other in values if other < value) // n for value in values]


@pytest.fixture
def repayers():
    """Six customers with repayments up to TODAY (15 June; the 12-month window: after 15 June of
    the year before)."""
    c1, c2, c3, c4, c5, c6 = (CustomerFactory() for _ in range(6))
    never = CustomerFactory()
    loan(never, on=dt.date(YEAR + 1, 5, 1))  # a loan, nothing repaid: no scores
    loans = {c: loan(c, on=dt.date(YEAR, 1, 10)) for c in (c1, c2, c3, c4, c5, c6)}
    for day in (dt.date(YEAR + 1, 6, 14), dt.date(YEAR + 1, 5, 14), dt.date(YEAR + 1, 4, 14)):
        repaid(loans[c1], day, "1000.00")
    repaid(loans[c2], dt.date(YEAR + 1, 6, 10), "500.00")
    repaid(loans[c3], dt.date(YEAR + 1, 6, 1), "2000.00")
    repaid(loans[c3], dt.date(YEAR + 1, 5, 1), "2000.00")
    repaid(loans[c4], dt.date(YEAR, 6, 15), "9000.00")  # the window's day before: outside it
    repaid(loans[c5], dt.date(YEAR + 1, 6, 14), "100.00")
    reversed_ = repaid(loans[c5], dt.date(YEAR + 1, 6, 12), "10000.00")
    Repayment.objects.filter(pk=reversed_.pk).update(status="reversed")  # does not count
    repaid(loans[c5], dt.date(YEAR + 1, 6, 13), "50000.00", channel="restructure")  # not cash
    repaid(loans[c6], dt.date(YEAR, 12, 15), "300.00")
    line = open_line(customer=c6, opened_on=dt.date(YEAR, 1, 5), number="C00000001")
    CreditLineTransaction.objects.create(
        credit_line=line,
        kind="repayment",
        amount=D("700.00"),
        value_date=dt.date(YEAR + 1, 3, 15),
        channel="portal",
    )
    return [c1, c2, c3, c4, c5, c6]


def test_rfm_scores_match_the_hand_computed_quintiles(repayers):
    c1, c2, c3, c4, c5, c6 = repayers
    frame = rfm.customer_rfm(as_of=TODAY).sort_index()
    # Raw values: days since the last repayment, repayments and cents in the 12 months.
    assert frame.loc[[c.pk for c in repayers], ["recency_days", "frequency", "monetary"]].values.tolist() == [
        [1, 3, 300000],
        [5, 1, 50000],
        [14, 2, 400000],
        [365, 0, 0],
        [1, 1, 10000],
        [92, 2, 100000],
    ]
    # n = 6: ranks 1..6 give scores 1, 1, 2, 3, 4, 5 (1 + ⌊5(r−1)/6⌋); ties share the lowest rank.
    # Recency by days, most first: c4 365 (r1), c6 92 (r2), c3 14 (r3), c2 5 (r4), c1 and c5 1 (r5).
    # Frequency: c4 0 (r1), c2 and c5 1 (r2), c3 and c6 2 (r4), c1 3 (r6).
    # Monetary: c4 0, c5 100, c2 500, c6 1,000, c1 3,000, c3 4,000 (r1..r6).
    expected = {
        c1.pk: (4, 5, 4),
        c2.pk: (3, 1, 2),
        c3.pk: (2, 3, 5),
        c4.pk: (1, 1, 1),
        c5.pk: (4, 1, 1),
        c6.pk: (1, 3, 3),
    }
    scores = frame[["recency_score", "frequency_score", "monetary_score"]]
    assert {int(pk): tuple(int(v) for v in row) for pk, row in scores.iterrows()} == expected
    for column, raw in (("recency_score", -frame["recency_days"]), ("frequency_score", frame["frequency"])):
        assert frame[column].tolist() == reference_scores(raw.tolist())

    assert rules.evaluate({"rfm": {"recency_min": 4}}) == [c1.pk, c5.pk]
    assert rules.evaluate({"rfm": {"frequency_min": 3, "monetary_min": 4}}) == [c1.pk, c3.pk]
    assert rules.evaluate({"rfm": {"recency_min": 2, "frequency_min": 3, "monetary_min": 3}}) == [
        c1.pk,
        c3.pk,
    ]
    # The lowest scores select everyone who repays, and only them.
    assert rules.evaluate({"rfm": {"recency_min": 1}}) == [c.pk for c in repayers]


def test_rfm_is_ranked_among_all_repayers_whatever_the_other_rules(repayers):
    c1, _c2, c3, _c4, c5, _c6 = repayers
    c5.monthly_income = D("10000.00")
    c5.save(update_fields=["monthly_income"])
    # Narrowing by profile does not re-rank: among the five left, c2 would score 4 on recency; among
    # all six who repay it scores 3.
    assert rules.evaluate({"rfm": {"recency_min": 4}, "income_min": "20000"}) == [c1.pk]
    assert rules.evaluate({"rfm": {"monetary_min": 4}, "income_min": "20000"}) == [c1.pk, c3.pk]


# --- behaviour tags ------------------------------------------------------------------------------
def test_behaviour_tags():
    loyal, one_late, short, repeat, lapsed, recently_closed, back_again = (
        CustomerFactory() for _ in range(7)
    )
    # Loyal: 15 months on book, every installment paid on its due date.
    long_loan = loan(loyal, on=dt.date(YEAR, 3, 10), term=24)
    dues = due_dates(long_loan)
    pay(long_loan, {n: day for n, day in enumerate(dues, start=1) if day < TODAY})
    assert sum(day < TODAY for day in dues) == 15
    # The same with one of 15 paid a day late: 14/15 = 0.933 < 0.95.
    late_loan = loan(one_late, on=dt.date(YEAR, 3, 10), term=24)
    pay(
        late_loan,
        {n: day for n, day in enumerate(dues, start=1) if day < TODAY} | {3: dues[2] + dt.timedelta(1)},
    )
    # All on time, but 11 months on book.
    short_loan = loan(short, on=dt.date(YEAR, 7, 10))
    pay(short_loan, {n: day for n, day in enumerate(due_dates(short_loan), start=1) if day < TODAY})
    # Repeat: two loans.
    loan(repeat, on=dt.date(YEAR, 9, 1))
    loan(repeat, on=dt.date(YEAR + 1, 3, 1))
    # Lapsed: the only loan closed on 1 December of the first year, over 6 months before TODAY.
    close(loan(lapsed, on=dt.date(YEAR, 1, 10), term=6), dt.date(YEAR, 12, 1))
    close(loan(recently_closed, on=dt.date(YEAR, 1, 10), term=6), dt.date(YEAR + 1, 1, 1))
    close(loan(back_again, on=dt.date(YEAR, 1, 10), term=6), dt.date(YEAR, 10, 1))
    loan(back_again, on=dt.date(YEAR + 1, 4, 1))  # borrowing again: not lapsed, but a repeat borrower

    assert rules.evaluate({"tags": ["loyal"]}) == [loyal.pk]
    assert rules.evaluate({"tags": ["repeat_borrower"]}) == [repeat.pk, back_again.pk]
    assert rules.evaluate({"tags": ["lapsed"]}) == [lapsed.pk]
    assert rules.evaluate({"tags": ["loyal", "lapsed"]}) == [loyal.pk, lapsed.pk]
    newcomer = CustomerFactory()
    assert rules.evaluate({"tags": ["new_customer"]}) == [newcomer.pk]  # nobody else was disbursed
    # The preset: repeat borrowers with loyal behaviour; `back_again` is a repeat borrower too new.
    preset = Segment.objects.get(preset="loyal_repeat_borrowers")
    assert rules.evaluate(preset.rules) == []
    loan(loyal, on=dt.date(YEAR + 1, 6, 1))
    assert rules.evaluate(preset.rules) == [loyal.pk]
    assert rules.evaluate(Segment.objects.get(preset="lapsed_borrowers").rules) == [lapsed.pk]


# --- validation ----------------------------------------------------------------------------------
def test_field_errors_of_the_behaviour_rules():
    code = active_version().product.code
    assert (
        rules.rules_errors(
            {
                "products": [code],
                "months_on_book_min": 3,
                "months_on_book_max": 24,
                "on_time_ratio_min": "0.9",
                "channels": ["branch", "sms", "hotline"],
                "rfm": {"recency_min": 1, "frequency_min": 5, "monetary_min": 3},
                "tags": ["loyal", "payroll", "lapsed", "repeat_borrower", "new_customer"],
            }
        )
        == {}
    )
    assert rules.rules_errors(
        {
            "products": [code, "NOPE"],
            "months_on_book_min": -1,
            "on_time_ratio_min": "1.5",
            "channels": ["fax"],
            "rfm": {"recency_min": 0, "frequency_min": True, "value_min": 3},
            "tags": ["vip"],
        }
    ) == {
        "products": ["Unknown value: NOPE."],
        "months_on_book_min": ["A whole number, not negative."],
        "on_time_ratio_min": ["A number from 0 to 1."],
        "channels": ["Unknown value: fax."],
        "rfm": [
            "recency_min: a whole number from 1 to 5.",
            "frequency_min: a whole number from 1 to 5.",
            "value_min: unknown score.",
        ],
        "tags": ["Unknown value: vip."],
    }
    assert rules.rules_errors({"months_on_book_min": 12, "months_on_book_max": 6}) == {
        "months_on_book_max": ["Must not be below months_on_book_min."]
    }
    assert rules.rules_errors({"rfm": {}, "on_time_ratio_min": True, "products": "CONSUMER"}) == {
        "rfm": ["An object with recency_min, frequency_min or monetary_min."],
        "on_time_ratio_min": ["A number from 0 to 1."],
        "products": ["A list of texts."],
    }


def test_the_api_saves_and_previews_a_behaviour_segment(client, manager):
    version = active_version()
    holder = CustomerFactory()
    loan(holder, on=dt.date(YEAR, 3, 10), version=version)
    CustomerFactory()
    client.force_login(manager)
    body = {"name": "Holders", "rules": {"products": [version.product.code], "months_on_book_min": 12}}
    created = client.post("/api/v1/marketing/segments/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    preview = client.get(f"/api/v1/marketing/segments/{created.json()['id']}/preview/")
    assert preview.json() == {"count": 1}

    before = Segment.objects.count()
    bad = {"name": "Bad", "rules": {"rfm": {"recency_min": 9}, "months_on_book_max": "x"}}
    refused = client.post("/api/v1/marketing/segments/", bad, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["rfm"] == ["recency_min: a whole number from 1 to 5."]
    assert refused.json()["errors"]["months_on_book_max"] == ["A whole number, not negative."]
    assert Segment.objects.count() == before


# --- queries and snapshots -----------------------------------------------------------------------
EVERYTHING = {
    "customer_types": ["individual"],
    "income_min": "1000",
    "has_loan": True,
    "applied_within_days": 3650,
    "months_on_book_min": 1,
    "months_on_book_max": 600,
    "on_time_ratio_min": "0.5",
    "channels": ["web", "sms"],
    "rfm": {"recency_min": 1},
    "tags": ["loyal", "repeat_borrower", "lapsed", "new_customer", "salaried"],
}


def _borrower(version, on: dt.date) -> None:
    customer = CustomerFactory()
    application = ApplicationFactory(customer=customer, product_version=version, submitted_at=clock.now())
    opened = open_loan(application, disbursed_on=on)
    dues = due_dates(opened)
    pay(opened, {n: day for n, day in enumerate(dues, start=1) if day < TODAY})
    repaid(opened, dues[0], "100.00")
    _touched(customer, "sms", days_ago=3)


def _queries(rule: dict) -> tuple[int, list[int]]:
    with CaptureQueriesContext(connection) as captured:
        members = rules.evaluate(rule)
    return len(captured), members


def test_the_query_count_does_not_grow_with_the_customers():
    version = active_version()
    rule = EVERYTHING | {"products": [version.product.code]}
    _borrower(version, dt.date(YEAR + 1, 1, 10))
    few, members = _queries(rule)
    assert len(members) == 1
    for _ in range(4):
        _borrower(version, dt.date(YEAR + 1, 2, 10))
        CustomerFactory()
    many, members = _queries(rule)
    assert len(members) == 5
    assert few == many
    assert many <= 16


def test_a_snapshot_keeps_the_members_of_its_moment(repayers):
    c1, _c2, c3, *_rest = repayers
    segment = Segment.objects.create(name="Top value", rules={"rfm": {"monetary_min": 4}})
    run = services.segment_snapshot(segment=segment)
    assert (run.member_ids, run.member_count) == ([c1.pk, c3.pk], 2)
    # Later repayments change who is selected now, not the run.
    later = Loan.objects.get(customer=repayers[3])
    repaid(later, TODAY, "90000.00")
    assert rules.evaluate(segment.rules) == [c3.pk, repayers[3].pk]
    assert SegmentRun.objects.get(pk=run.pk).member_ids == [c1.pk, c3.pk]
    # And evaluating the same rules on the same data gives the same members.
    again = services.segment_snapshot(segment=segment)
    assert again.member_ids == rules.evaluate(segment.rules)


def test_the_admin_form_takes_behaviour_rules_and_names_the_wrong_keys():
    from marketing.admin import SegmentForm

    good = SegmentForm(data={"name": "Loyal", "rules": '{"tags": ["loyal"], "rfm": {"recency_min": 3}}'})
    assert good.is_valid(), good.errors
    bad = SegmentForm(data={"name": "Bad", "rules": '{"on_time_ratio_min": 2, "channels": ["fax"]}'})
    assert not bad.is_valid()
    assert bad.errors["rules"] == [
        "on_time_ratio_min: A number from 0 to 1.",
        "channels: Unknown value: fax.",
    ]
