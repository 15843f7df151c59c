"""Floating rates follow the LPR (issue 14): a floating-rate loan reprices on its reset date with
the latest LPR published before it plus its spread; new schedule from the next installment, a
notice in the customer's language, an event; close of business runs the resets once per date.

Dates follow the clock (the suite also runs on a moved date); the fixings the tests need are
imported with `manage.py import_lpr` a day before the reset, so they are the latest published.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.utils import timezone

from loanhub import clock, roles
from notifications.models import Message
from products import choices as pc
from products import engine
from products.models import BenchmarkRate
from servicing import cob, rate_resets, repayments, services
from servicing import schedule_changes as sc
from servicing.choices import ScheduleChangeKind
from servicing.models import Loan, LoanEvent, ScheduleChange
from tests.products.factories import UserFactory
from tests.servicing.factories import (
    ApplicationFactory,
    CustomerFactory,
    active_version,
    open_loan,
    terms_for,
)
from tests.servicing.test_prepayments import _ledger_balanced

pytestmark = pytest.mark.django_db

HEADER = (
    "publish_date,lpr_1y_pct,lpr_5y_plus_pct,change_vs_prior,valid_from,valid_until_exclusive,"
    "source,corroboration"
)


def _fixings(tmp_path, *rows: tuple[dt.date, str, str]) -> str:
    """A file in the format of lpr_history.csv with (date, 1-year %, 5-year %) rows."""
    path = tmp_path / "lpr.csv"
    lines = [HEADER] + [f"{day},{one},{five},,{day},,test fixing," for day, one, five in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _floating_version(rule=pc.RateReset.ANNIVERSARY):
    return active_version(
        rate_type=pc.RateType.FLOATING,
        benchmark=pc.Benchmark.LPR_1Y,
        rate_reset=rule,
        grid=[(grade, 6, 60, 150) for grade in "ABCDE"],
    )


def _floating_loan(tmp_path, *, start: dt.date, rule=pc.RateReset.ANNIVERSARY, term=24, pay=True):
    """100 000.00 over `term` months (annuity, 30/360) at 1-year LPR 3.00 % + 150 bp = 4.50 %,
    disbursed on `start`, every installment due by today paid on its due date."""
    call_command("import_lpr", _fixings(tmp_path, (start, "3.00", "3.50")))
    officer = UserFactory(username="officer", role=roles.LOAN_OFFICER)
    application = ApplicationFactory(customer=CustomerFactory(), product_version=_floating_version(rule))
    loan = open_loan(
        application, actor=officer, disbursed_on=start, annual_rate=D("0.045"), term=term, fees=[]
    )
    if not pay:
        return loan
    for inst in loan.installments.filter(due_date__lte=clock.today()).order_by("number"):
        repayments.repayment_post(loan=loan, amount=inst.payment, value_date=inst.due_date, actor=officer)
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    return loan


def _rows(loan, **filters):
    return list(
        loan.installments.filter(**filters).order_by("number").values_list("number", "due_date", "payment")
    )


def test_the_loan_keeps_the_contract_terms_of_a_floating_version(tmp_path):
    start = clock.today() - relativedelta(months=2)
    loan = _floating_loan(tmp_path, start=start)
    assert (loan.rate_type, loan.benchmark, loan.rate_reset) == ("floating", "lpr_1y", "anniversary")
    assert loan.rate_spread == D("0.015")  # 4.50 % − the 3.00 % fixing it was priced on
    assert loan.initial_rate == loan.annual_rate == D("0.045")
    assert loan.next_rate_reset == start + relativedelta(years=1)
    assert rate_resets.next_reset_after(start=start, rule="january_1", after=start) == dt.date(
        start.year + 1, 1, 1
    )
    # 29 February's anniversary in a common year is 28 February.
    leap = dt.date(2028, 2, 29)
    assert rate_resets.next_reset_after(start=leap, rule="anniversary", after=leap) == dt.date(2029, 2, 28)


def test_an_anniversary_reset_reprices_from_the_next_installment(tmp_path, client):
    # Given a 24-month loan disbursed a year ago at LPR 3.00 % + 150 bp, the first 12 paid,
    start = clock.today() - relativedelta(years=1)
    loan = _floating_loan(tmp_path, start=start)
    reset = loan.next_rate_reset
    assert reset == start + relativedelta(years=1)
    # and a new fixing of 2.90 % published the day before the anniversary (and one on the day,
    # which is not "before" it and must not count).
    call_command(
        "import_lpr",
        _fixings(tmp_path, (reset - dt.timedelta(days=1), "2.90", "3.40"), (reset, "2.50", "3.00")),
    )
    kept = _rows(loan, due_date__lte=reset)
    penalty_rate = loan.penalty_rate

    # When the resets of the anniversary run,
    [change] = rate_resets.rate_resets_run(business_date=reset)

    # then the rate is 2.90 % + 150 bp = 4.40 % and the 12 rows not yet due are the engine's
    # re-amortisation of the balance at 4.40 % over the same due dates.
    loan.refresh_from_db()
    assert change.kind == ScheduleChangeKind.RATE_RESET
    assert loan.annual_rate == D("0.044")
    assert loan.initial_rate == D("0.045")
    # The penalty rate (contract rate × 1.5) follows: 4.40 % × 1.5 = 6.60 % (was 6.75 %).
    assert (penalty_rate, loan.penalty_rate) == (D("0.0675"), D("0.066"))
    assert loan.schedule_version == 1
    assert loan.next_rate_reset == start + relativedelta(years=2)
    assert _rows(loan, due_date__lte=reset) == kept
    new = loan.installments.filter(due_date__gt=reset).order_by("number")
    # Worked example (annuity formula A = P·r / (1 − (1 + r)^−n), r = 4.40 % / 12, n = 12): the
    # balance after 12 installments of the 4.50 % loan, 51 122.72, repays with 4 362.44 a month.
    balance = D("51122.72")
    assert loan.installments.get(number=12).balance == balance
    old_schedule = engine.build_schedule(
        principal=D("100000.00"),
        annual_rate=D("0.045"),
        term=24,
        frequency="monthly",
        method="annuity",
        start_date=start,
        day_count="30/360",
    )
    expected = engine.reprice(old_schedule, reset_date=reset, annual_rate=D("0.044")).remaining.rows
    fresh = engine.build_schedule(
        principal=balance,
        annual_rate=D("0.044"),
        term=12,
        frequency="monthly",
        method="annuity",
        start_date=reset,
        day_count="30/360",
    ).rows
    assert [(r.due_date, r.payment, r.balance) for r in new] == [
        (e.due_date, e.principal + e.interest + e.fees, e.balance) for e in expected
    ]
    assert [r.payment for r in new] == [f.payment for f in fresh]
    assert new[0].payment == D("4362.44")
    assert new[0].interest == D("187.45")
    assert new.last().due_date == loan.maturity_date
    assert new.last().balance == D("0.00")
    # The stored schedule is the engine's schedule of the loan (pinned terms + the reset).
    sc.check_tail(sc.stored_rows(loan), sc.engine_schedule(loan).rows, after=reset)
    # The change keeps what it replaced and what was applied; the loan has its event.
    assert len(change.replaced_rows) == 12
    assert change.replaced_rows[0]["payment"] == "4364.78"
    assert change.quote["fixing_rate"] == "0.02900000"
    assert change.quote["new_rate"] == "0.04400000"
    event = LoanEvent.objects.get(loan=loan, payload__schedule_change=change.pk)
    assert "4.50% → 4.40%" in event.reason
    # The customer is told in their language (Chinese: no consent in English).
    message = Message.objects.get(dedupe_key=f"rate_reset:{loan.pk}:{reset.isoformat()}")
    assert message.user == loan.customer.user
    assert message.language == "zh-hans"
    assert "4.50%" in message.body
    assert "4.40%" in message.body
    assert "4,362.44" in message.body
    assert "利率" in message.subject
    # The borrower's page shows the rate in force and when it next follows the LPR.
    client.force_login(loan.customer.user)
    page = client.get(f"/loans/{loan.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4.40%" in page
    assert f"1-year Loan Prime Rate +150 bp; next reset {loan.next_rate_reset.isoformat()}" in page
    _ledger_balanced(loan)


def test_the_january_rule_resets_on_1_january_from_the_next_period(tmp_path):
    year = clock.today().year
    jan1 = dt.date(year, 1, 1)
    start = dt.date(year - 1, 11, 15)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(jan1, dt.time(9))), tick=False):
        loan = _floating_loan(tmp_path, start=start, rule=pc.RateReset.JANUARY_1, term=12)
        assert loan.next_rate_reset == jan1
        call_command("import_lpr", _fixings(tmp_path, (dt.date(year - 1, 12, 22), "3.10", "3.60")))
        before = _rows(loan)
        [change] = rate_resets.rate_resets_run(business_date=jan1)
    loan.refresh_from_db()
    assert loan.annual_rate == D("0.046")
    assert loan.next_rate_reset == dt.date(year + 1, 1, 1)
    # No interest period is split: the period running on 1 January (to 15 January) keeps the old
    # rate, the new one runs from 15 January, so the rows due up to then are as they were.
    assert change.quote["effective_date"] == dt.date(year, 1, 15).isoformat()
    assert _rows(loan, due_date__lte=dt.date(year, 1, 15)) == before[:2]
    after = _rows(loan, due_date__gt=dt.date(year, 1, 15))
    assert [r[:2] for r in after] == [r[:2] for r in before[2:]]
    assert after[0][2] > before[2][2]  # a higher rate, a higher installment
    sc.check_tail(sc.stored_rows(loan), sc.engine_schedule(loan).rows, after=dt.date(year, 1, 15))
    _ledger_balanced(loan)


def test_an_unchanged_lpr_leaves_the_schedule_and_sends_nothing(tmp_path):
    start = clock.today() - relativedelta(years=1)
    loan = _floating_loan(tmp_path, start=start)
    reset = loan.next_rate_reset
    call_command("import_lpr", _fixings(tmp_path, (reset - dt.timedelta(days=1), "3.00", "3.40")))
    before = _rows(loan)

    assert rate_resets.rate_resets_run(business_date=reset) == []

    loan.refresh_from_db()
    assert loan.annual_rate == D("0.045")
    assert loan.schedule_version == 0
    assert _rows(loan) == before
    assert not ScheduleChange.objects.filter(loan=loan).exists()
    assert not Message.objects.filter(dedupe_key__startswith="rate_reset:").exists()
    # An event records that the reset was made and found nothing to change; the next is set.
    assert LoanEvent.objects.filter(loan=loan, reason__contains="unchanged").count() == 1
    assert loan.next_rate_reset == start + relativedelta(years=2)


def test_close_of_business_resets_once_however_often_it_runs(tmp_path):
    start = clock.today() - relativedelta(years=1)
    loan = _floating_loan(tmp_path, start=start)
    reset = loan.next_rate_reset
    call_command("import_lpr", _fixings(tmp_path, (reset - dt.timedelta(days=1), "2.90", "3.40")))
    other = Loan.objects.exclude(pk=loan.pk).count()
    assert other == 0

    cob.close_through(reset, start=reset)
    cob.close_through(reset, start=reset)  # the date is closed: nothing runs
    assert rate_resets.rate_resets_run(business_date=reset) == []  # a second call finds nothing due

    loan.refresh_from_db()
    assert loan.annual_rate == D("0.044")
    assert loan.schedule_version == 1
    assert loan.position_date == reset + dt.timedelta(days=1)
    assert ScheduleChange.objects.filter(loan=loan, kind="rate_reset").count() == 1
    assert Message.objects.filter(dedupe_key__startswith="rate_reset:").count() == 1
    assert LoanEvent.objects.filter(loan=loan, payload__kind="rate_reset").count() == 1
    _ledger_balanced(loan)


def test_a_missed_reset_takes_the_latest_due_and_changes_nothing_already_due(tmp_path):
    # A loan opened with a disbursement date 25 months back: its resets at 12 and 24 months were
    # never run. The latest (24 months) counts, with the fixing published before it, and only
    # the rows not yet due on the business date are repriced.
    today = clock.today()
    start = today - relativedelta(months=25)
    loan = _floating_loan(tmp_path, start=start, term=36, pay=False)
    latest = start + relativedelta(years=2)
    call_command("import_lpr", _fixings(tmp_path, (latest - dt.timedelta(days=1), "2.90", "3.40")))
    due = _rows(loan, due_date__lte=today)

    [change] = rate_resets.rate_resets_run(business_date=today)

    loan.refresh_from_db()
    assert change.idempotency_key == f"rate_reset:{latest.isoformat()}"
    assert loan.annual_rate == D("0.044")
    assert loan.next_rate_reset == start + relativedelta(years=3)
    assert _rows(loan, due_date__lte=today) == due
    effective = dt.date.fromisoformat(change.quote["effective_date"])
    assert effective >= today
    sc.check_tail(sc.stored_rows(loan), sc.engine_schedule(loan).rows, after=effective)
    assert rate_resets.rate_resets_run(business_date=today) == []
    _ledger_balanced(loan)


def test_import_lpr_reuses_the_seed_format_and_refuses_a_bad_file_whole(tmp_path):
    # The seed (migration 0002_lpr_history) loaded this very file: importing it changes nothing.
    call_command("import_lpr", "products/data/lpr_history.csv", stdout=(out := _Buffer()))
    assert "0 added, 0 corrected" in out.text
    count = BenchmarkRate.objects.count()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n2030-01-20,3.1,3.6,,2030-01-20,,x,\n2030-02-20,three,3.6,,2030-02-20,,x,\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_lpr", str(bad))
    assert BenchmarkRate.objects.count() == count


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, text, *args, **kwargs):
        self.text += text

    def flush(self):
        pass


def test_the_spread_is_taken_over_the_fixing_the_offer_was_priced_on(tmp_path):
    # The applications service passes the offer's fixing (applications.services.disbursement):
    # an LPR published between the offer and the disbursement does not change the spread.
    start = clock.today()
    call_command("import_lpr", _fixings(tmp_path, (start, "3.00", "3.50")))
    application = ApplicationFactory(customer=CustomerFactory(), product_version=_floating_version())
    loan = services.loan_open(
        origin_ref=str(application),
        number=f"L{application.pk:08d}",
        customer_id=application.customer_id,
        product_version=application.product_version,
        terms=terms_for(application, annual_rate=D("0.045"), fees=[]),
        disbursed_on=start,
        actor=None,
        benchmark_rate=D("0.031"),
    )
    assert loan.rate_spread == D("0.014")
