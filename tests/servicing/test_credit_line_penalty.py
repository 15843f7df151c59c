"""Penalty interest (罚息) on a credit line's overdue minimum, its allocation (penalty first), its
ledger (1240 / 4300), and the line's classification, IFRS 9 stage and provision.

The rule (servicing.lines, products.engine.revolving; the same as instalment loans'
servicing.position): the unpaid minimum bears penalty from its due date at the line's penalty
rate = contract rate × the product's multiplier (1.5: 加收50%), capped at LOANHUB_APR_CAP,
ACT/365 on each day's end-of-day overdue amount, kept exact and rounded half-up once.

Worked example used throughout: 10,000 drawn at 3.65 % a year on the opening day (10 January),
1.00 of interest a day. The 10 February statement charges 32 days = 32.00; its minimum is
32.00 + 10 % × 10,000 = 1,032.00, due 20 days later. The penalty rate is 3.65 % × 1.5 = 5.475 %,
so one day on 1,032.00 is 1,032.00 × 0.05475 / 365 = 0.1548 and ten days are 1.548 → 1.55.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from loanhub.money import quantize_money
from products import engine
from servicing import lines, rules
from servicing.models import CreditLine, CreditLineEvent, JournalEntry, Posting
from tests.servicing.cob_helpers import check_ledger
from tests.servicing.factories import active_version
from tests.servicing.lines_helpers import on, open_line, opening_day

pytestmark = pytest.mark.django_db
D = Decimal
Z = D("0.00")
DAY = dt.timedelta(days=1)
PENALTY_RATE = D("0.05475")  # 3.65 % × 1.5


def balance(code: str) -> Decimal:
    total = Z
    for debit, credit in Posting.objects.filter(account__code=code).values_list("debit", "credit"):
        total += debit - credit
    return total


def assert_books_match(line: CreditLine) -> None:
    """Every entry balances, the loans' accounts are what their sub-ledgers say (none here), and
    the line's accounts hold its principal, unpaid interest, unpaid penalty and reserve."""
    check_ledger()
    for entry in JournalEntry.objects.all():
        legs = list(entry.postings.values_list("debit", "credit"))
        assert sum(d for d, _ in legs) == sum(c for _, c in legs), entry
    line.refresh_from_db()
    assert balance("1130") == line.principal
    assert balance("1230") == line.interest_due + line.accrued_interest
    assert balance("1240") == line.penalty_due
    # penalty income less what non-accrual holds in suspense (nil under 90 days past due)
    assert balance("4300") == -(line.penalty_charged - line.suspense_penalty)
    assert (balance("2311"), balance("2321")) == (-line.suspense_interest, -line.suspense_penalty)
    assert balance("1291") == -line.reserve
    assert line.reserve == rules.provision(line.classification, line.principal)


def drawn_line(**kwargs) -> tuple[CreditLine, dt.date, dt.date]:
    """The worked example's line: 10,000 drawn on the opening day; its first statement and due date."""
    opened = opening_day()
    line = open_line(opened_on=opened, **kwargs)
    with on(opened):
        lines.credit_line_draw(line=line, amount=D("10000.00"), actor=line.customer.user)
    statement = dt.date(opened.year, 2, 10)
    return line, statement, statement + 20 * DAY


def test_the_penalty_rate_is_pinned_from_the_product_and_never_above_the_legal_cap():
    line = open_line()
    assert (line.penalty_rate, line.compound_penalty) == (PENALTY_RATE, True)
    # 20 % × 1.5 = 30 % is above the 24 % cap: the cap applies, as for loans (servicing.rules)
    capped = open_line(rate=D("0.20"), number="C00000002")
    assert capped.penalty_rate == django_settings.LOANHUB_APR_CAP == D("0.24")


def test_worked_example_ten_days_on_the_unpaid_minimum():
    line, statement, due = drawn_line()
    line = lines.credit_line_refresh(line, as_of=statement + DAY)
    assert (line.minimum_due, line.due_date, line.penalty_charged) == (D("1032.00"), due, Z)

    # Paid on the due date it would owe nothing; unpaid at its end it is overdue from that day.
    line = lines.credit_line_refresh(line, as_of=due)
    assert (line.days_past_due, line.penalty_due) == (0, Z)
    line = lines.credit_line_refresh(line, as_of=due + DAY)
    # 1,032.00 × 0.05475 × 1 / 365 = 0.1548 -> 0.15
    assert (line.days_past_due, line.overdue_amount, line.penalty_due) == (1, D("1032.00"), D("0.15"))
    line = lines.credit_line_refresh(line, as_of=due + 10 * DAY)
    # 1,032.00 × 0.05475 × 10 / 365 = 1.548 -> 1.55 (rounded once, not 10 × 0.15)
    assert (line.days_past_due, line.penalty_charged, line.penalty_due) == (10, D("1.55"), D("1.55"))
    assert line.payoff_amount == line.principal + line.interest_due + line.accrued_interest + D("1.55")
    assert_books_match(line)


def test_without_compounding_only_the_principal_share_of_the_minimum_bears_penalty():
    line, _, due = drawn_line(version=active_version(compound_penalty=False))
    assert line.compound_penalty is False
    line = lines.credit_line_refresh(line, as_of=due + 10 * DAY)
    # 1,000.00 (10 % of the principal; the 32.00 of interest bears none) × 0.05475 × 10 / 365 = 1.50
    assert (line.overdue_amount, line.penalty_charged) == (D("1000.00"), D("1.50"))
    assert_books_match(line)


@pytest.mark.parametrize("cadence", ["daily", "weekly", "catch-up"])
def test_no_cent_drift_whatever_the_close_of_business_cadence(cadence):
    # 17 days on the unchanged 1,032.00: 1,032.00 × 0.05475 × 17 / 365 = 2.6316 -> 2.63, however
    # often the line was closed in between (daily, weekly, or once catching up).
    line, statement, due = drawn_line()
    last = due + 16 * DAY  # closing it moves the position to due + 17
    if cadence == "daily":
        day = statement
        while day <= last:
            lines.credit_lines_close_day(business_date=day)
            day += DAY
    elif cadence == "weekly":
        day = statement
        while day < last:
            lines.credit_lines_close_day(business_date=day)
            day += 7 * DAY
        lines.credit_lines_close_day(business_date=last)
    else:
        lines.credit_lines_close_day(business_date=last)
    line.refresh_from_db()
    assert (line.position_date, line.days_past_due) == (due + 17 * DAY, 17)
    assert (line.penalty_charged, balance("1240"), balance("4300")) == (D("2.63"), D("2.63"), D("-2.63"))
    assert_books_match(line)


def test_a_line_drawn_minimum_missed_penalty_repaid_penalty_first_and_cured():
    line, statement, due = drawn_line()
    owner = line.customer.user
    assert_books_match(line)

    # Given the first statement's minimum of 1,032.00
    lines.credit_lines_close_day(business_date=statement)
    line.refresh_from_db()
    assert (line.minimum_due, line.days_past_due, line.classification, line.ifrs9_stage) == (
        D("1032.00"),
        0,
        "pass",
        1,
    )
    assert_books_match(line)

    # When its due date ends unpaid: a day past due, penalty 0.15, special mention, stage 2
    lines.credit_lines_close_day(business_date=due)
    line.refresh_from_db()
    assert (line.days_past_due, line.penalty_due, line.classification, line.ifrs9_stage) == (
        1,
        D("0.15"),
        "special_mention",
        2,
    )
    assert CreditLineEvent.objects.filter(credit_line=line, reason="overdue").count() == 1
    assert_books_match(line)

    # And ten days on (1.55 of penalty) 500.00 is repaid: penalty first (Civil Code art. 561),
    # then the interest charged now (32.00 + 29 days × 1.00 = 61.00), then 437.45 of principal
    lines.credit_line_refresh(line, as_of=due + 10 * DAY)
    with on(due + 10 * DAY):
        part = lines.credit_line_repay(line=line, amount=D("500.00"), actor=owner)
    assert (part.penalty, part.interest, part.principal) == (D("1.55"), D("61.00"), D("437.45"))
    line.refresh_from_db()
    # only 498.45 of the minimum is covered (the penalty paid does not count): still overdue
    assert (line.days_past_due, line.overdue_amount, line.penalty_due) == (10, D("533.55"), Z)
    assert_books_match(line)

    # Then two more days on the 533.55 left: the basis is 1,032.00 × 10 + 533.55 × 2 = 11,387.10,
    # × 0.05475 / 365 = 1.7081 -> 1.71 charged in all, 0.16 of it unpaid
    lines.credit_line_refresh(line, as_of=due + 12 * DAY)
    line.refresh_from_db()
    assert (line.penalty_charged, line.penalty_due, line.days_past_due) == (D("1.71"), D("0.16"), 12)
    assert_books_match(line)

    # And paying the penalty and what is left of the minimum cures it: 0.16 + 533.55 = 533.71,
    # 0.16 penalty, 2 days × 9,562.55 × 0.0001 = 1.91 interest, 531.64 principal
    with on(due + 12 * DAY):
        cure = lines.credit_line_repay(line=line, amount=D("533.71"), actor=owner)
    assert (cure.penalty, cure.interest, cure.principal) == (D("0.16"), D("1.91"), D("531.64"))
    line.refresh_from_db()
    assert (line.days_past_due, line.classification, line.ifrs9_stage, line.penalty_due) == (0, "pass", 1, Z)
    assert CreditLineEvent.objects.filter(credit_line=line, reason="cured").count() == 1
    assert balance("4300") == D("-1.71")
    assert_books_match(line)

    # A cured line takes draws again, and no more penalty accrues
    with on(due + 12 * DAY):
        lines.credit_line_draw(line=line, amount=D("100.00"), actor=owner)
    line = lines.credit_line_refresh(line, as_of=due + 15 * DAY)
    assert line.penalty_charged == D("1.71")
    assert_books_match(line)


def test_a_long_overdue_line_is_classified_provisioned_and_staged_like_a_loan():
    line, _, due = drawn_line()
    # More than 90 days past due: substandard (2023 rules art. 11-16), IFRS 9 stage 3
    line = lines.credit_line_refresh(line, as_of=due + 91 * DAY)
    assert (line.days_past_due, line.classification, line.ifrs9_stage) == (91, "substandard", 3)
    assert line.reserve == rules.provision("substandard", line.principal) > 0
    assert balance("5100") == line.reserve
    assert_books_match(line)
    # Paying everything off cures it and releases the reserve to the pass rate on nothing drawn
    with on(due + 91 * DAY):
        lines.credit_line_repay(line=line, amount=line.payoff_amount, actor=line.customer.user)
    line.refresh_from_db()
    assert (line.classification, line.ifrs9_stage, line.reserve, line.payoff_amount) == ("pass", 1, Z, Z)
    assert balance("5100") == Z
    assert_books_match(line)


def test_the_api_and_the_portal_show_the_penalty_and_the_repayment_split():
    line, _, due = drawn_line()
    lines.credit_line_refresh(line, as_of=due + 10 * DAY)
    api = APIClient()
    api.force_authenticate(line.customer.user)
    body = api.get(f"/api/v1/credit-lines/{line.pk}/").json()
    assert body["penalty"] == {
        "annual_rate": "0.05475000",
        "compound": True,
        "grace_days": 0,
        "overdue_amount": "1032.00",
        "accrued": "1.55",
        "outstanding": "1.55",
    }
    assert (body["days_past_due"], body["ifrs9_stage"], body["classification"]) == (10, 2, "special_mention")
    with on(due + 10 * DAY):
        repaid = api.post(
            f"/api/v1/credit-lines/{line.pk}/repayments/",
            {"amount": "100.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="pay-penalty-first",
        )
    assert repaid.status_code == 201, repaid.content
    assert (repaid.json()["penalty"], repaid.json()["interest"], repaid.json()["principal"]) == (
        "1.55",
        "61.00",
        "37.45",
    )
    assert repaid.json()["credit_line"]["penalty"]["outstanding"] == "0.00"

    browser = Client()
    with on(due + 10 * DAY):  # logged in on the day (a session from today would have expired)
        browser.force_login(line.customer.user)
        html = browser.get(f"/credit-lines/{line.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="penalty-due"' in html
    assert '<td class="to-penalty">1.55</td>' in html


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    principal=st.decimals(min_value=D("100.00"), max_value=D("50000.00"), places=2),
    rate=st.decimals(min_value=D("0.0010"), max_value=D("0.1600"), places=4),
    multiplier=st.sampled_from([D("1"), D("1.3"), D("1.5")]),
    days=st.integers(min_value=1, max_value=25),
    repaid=st.decimals(min_value=D("0.01"), max_value=D("5.00"), places=2),
)
def test_penalty_over_n_days_is_the_overdue_minimum_times_the_rate_rounded_once(
    principal, rate, multiplier, days, repaid
):
    # The engine's rule, no database: N days on an unchanged overdue minimum is
    # minimum × penalty rate × N / 365 rounded half-up once, and a repayment pays it first.
    opened = dt.date(2027, 1, 10)
    penalty_rate = rules.penalty_rate(annual_rate=rate, multiplier=multiplier)
    common = {
        "credit_limit": D("50000.00"),
        "annual_rate": rate,
        "statement_day": 10,
        "opened_on": opened,
        "minimum_principal_rate": D("0.10"),
        "penalty_rate": penalty_rate,
        "due_days": 20,
    }
    draw = engine.LineTransaction(opened, engine.TransactionKind.DRAW, principal)
    due = dt.date(2027, 2, 10) + 20 * DAY
    state = engine.revolving_run(**common, transactions=[draw], as_of=due + days * DAY)
    minimum = state.statements[0].minimum_due
    expected = quantize_money(minimum * penalty_rate * days / 365)
    assert (state.overdue_amount, state.penalty_charged, state.penalty_due) == (minimum, expected, expected)
    pay = engine.LineTransaction(due + days * DAY, engine.TransactionKind.REPAYMENT, repaid)
    after = engine.revolving_run(**common, transactions=[draw, pay], as_of=due + days * DAY)
    split = after.allocations[-1]
    assert split.penalty == min(repaid, expected)
    assert split.penalty + split.interest + split.principal == repaid
    assert after.penalty_due == expected - split.penalty
