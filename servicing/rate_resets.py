"""Floating rates follow the LPR (利率重定价): a floating-rate loan reprices on its reset date.

At disbursement a loan made from a floating-rate product version keeps its benchmark (1-year or
5-year LPR), its spread (the contract rate less the fixing it was priced on; may be negative) and
the version's reset rule: each anniversary of the disbursement, or each 1 January. Its next reset
date is stored on the loan (`Loan.next_rate_reset`).

Close of business runs the resets of its business date in each chunk, before the chunk closes the
day (`servicing.cob.runs.run_chunk`), so the day closes on the new schedule. A reset:

- takes the latest fixing of the loan's benchmark published strictly before the reset date
  (`products.selectors.benchmark_fixing_before`; the PBoC's 2019 announcement No. 30 prices a
  floating loan's reset on the latest LPR published before it) plus the spread;
- re-amortises the balance at that rate over the remaining due dates with the engine
  (`products.engine.reprice`): the new rate runs from the first period boundary on or after the
  reset date (on an anniversary: the reset date itself, a due date; on 1 January: the next due
  date), so no interest period is split and no installment already due changes;
- stores the change (a `ScheduleChange` of kind rate_reset, applied at once, with the rows it
  replaced), bumps the schedule version, replays the loan (`loan_refresh`: the ledger books any
  difference, balanced by construction), writes a loan event and sends the customer the
  `rate_reset` message in their language (portal inbox).

When the rate comes out the same (the LPR did not move), nothing is repriced and no message is
sent: the loan gets an event saying so and its next reset date. A penalty rate of contract rate ×
the product's multiplier (`servicing.rules.penalty_rate_after`) follows the new rate from the reset
date: the change stores it with its date, the replay prices each day's penalty at the rate of that
day and close of business at the loan's current one (the same from the reset date on).

Idempotent: the reset date is advanced under the loan's lock in the same transaction, and the
change carries the idempotency key `rate_reset:<date>` (unique per loan), so a close of business
run twice for a date resets once. A reset missed (a loan opened with a past disbursement date)
is caught up on the next business date: the latest reset date due counts (with the fixing
published before it), and only the installments not yet due on the business date are repriced.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from customers.selectors import customer_language
from loanhub import clock
from loanhub.formatting import cny_text, date_text, percent_text
from loanhub.money import quantize_rate
from loanhub.reasons import coded
from loanhub.transitions import json_safe, record_event
from notifications import services as notifications
from notifications.errors import NotificationInvalid
from products import engine
from products import selectors as products
from products.choices import Benchmark
from servicing import quiet, rules
from servicing import schedule_changes as sc
from servicing.choices import ChangeStatus, EntryKind, LoanStatus, RateReset, RateType, ScheduleChangeKind
from servicing.models import Loan, ScheduleChange
from servicing.repayments import loan_refresh

__all__ = ("next_reset_after", "rate_reset_apply", "rate_resets_run")

logger = logging.getLogger(__name__)
ZERO_RATE = Decimal("0")
TEMPLATE = "rate_reset"


def next_reset_after(*, start: dt.date, rule: str, after: dt.date) -> dt.date:
    """The first reset date strictly after `after` of a loan disbursed on `start` under `rule`:
    the next 1 January, or the next anniversary of `start` (29 February → 28 February)."""
    if rule == RateReset.JANUARY_1:
        return dt.date(after.year + 1, 1, 1)
    years = max(after.year - start.year, 1)
    while True:
        anniversary = engine.add_months(start, 12 * years)
        if anniversary > after:
            return anniversary
        years += 1


def floating_terms(*, product_version, annual_rate: Decimal, start: dt.date, benchmark_rate) -> dict:
    """The floating-rate fields `loan_open` pins on a loan of `product_version` (empty for a
    fixed rate). `benchmark_rate`: the fixing the offer was priced on, else the one in force on
    the disbursement date."""
    if product_version.rate_type != RateType.FLOATING or not product_version.benchmark:
        return {}
    if benchmark_rate is None:
        fixing = products.benchmark_fixing_before(
            benchmark=product_version.benchmark, before=start + dt.timedelta(days=1)
        )
        benchmark_rate = fixing.rate if fixing is not None else None
    rule = product_version.rate_reset or RateReset.ANNIVERSARY
    return {
        "rate_type": RateType.FLOATING,
        "benchmark": product_version.benchmark,
        "rate_spread": None
        if benchmark_rate is None
        else Decimal(str(annual_rate)) - Decimal(str(benchmark_rate)),
        "rate_reset": rule,
        "next_rate_reset": None
        if benchmark_rate is None
        else next_reset_after(start=start, rule=rule, after=start),
    }


def floating_summary(loan: Loan) -> dict | None:
    """What the borrower's page says of a floating rate: the benchmark (in the active language),
    the spread in basis points, the reset rule, the next reset date and all of it in plain words
    (`plain`); None for a fixed rate."""
    if loan.rate_type != RateType.FLOATING or loan.rate_spread is None:
        return None
    benchmark = str(Benchmark(loan.benchmark).label) if loan.benchmark in Benchmark.values else ""
    rule = str(RateReset(loan.rate_reset).label) if loan.rate_reset in RateReset.values else ""
    points = f"{abs(loan.rate_spread * 100).normalize():f}"
    words = {"benchmark": benchmark, "points": points, "rate": _percent(loan.annual_rate), "rule": rule}
    if loan.rate_spread < 0:
        text = _(
            "Your rate floats: the %(benchmark)s minus %(points)s percentage points, %(rate)s a year "
            "now. It is reset %(rule)s to the latest LPR published before the reset date."
        )
    else:
        text = _(
            "Your rate floats: the %(benchmark)s plus %(points)s percentage points, %(rate)s a year "
            "now. It is reset %(rule)s to the latest LPR published before the reset date."
        )
    if loan.next_rate_reset is not None:
        text = text + " " + _("The next reset is on %(date)s.")
        words["date"] = loan.next_rate_reset.isoformat()
    return {
        "benchmark": benchmark,
        "spread": f"{int((loan.rate_spread * 10000).to_integral_value()):+d} bp",
        "next_reset": loan.next_rate_reset,
        "rule": rule,
        "plain": text % words,
    }


def rate_resets_run(
    *, business_date: dt.date, first_id: int | None = None, last_id: int | None = None, actor=None
) -> list[ScheduleChange]:
    """Reset every active floating loan (with ids in [first_id, last_id] when given) whose reset
    date is on or before `business_date`; each in its own savepoint under its lock. Returns the
    changes applied (loans whose rate did not move are advanced without one)."""
    loans = Loan.objects.filter(
        status=LoanStatus.ACTIVE, rate_type=RateType.FLOATING, next_rate_reset__lte=business_date
    )
    if first_id is not None:
        loans = loans.filter(pk__gte=first_id)
    if last_id is not None:
        loans = loans.filter(pk__lte=last_id)
    done = []
    for loan_id in loans.order_by("pk").values_list("pk", flat=True):
        change = rate_reset_apply(loan_id=loan_id, business_date=business_date, actor=actor)
        if change is not None:
            done.append(change)
    return done


def rate_reset_apply(*, loan_id: int, business_date: dt.date, actor=None) -> ScheduleChange | None:
    """Apply the loan's due reset (see the module). None when nothing was due any more (done
    already), when no fixing is published, when the rate is unchanged or no installment is left."""
    with transaction.atomic():
        loan = quiet.lock_loan(loan_id)
        reset_date = loan.next_rate_reset
        if (
            loan.status != LoanStatus.ACTIVE
            or loan.rate_type != RateType.FLOATING
            or reset_date is None
            or reset_date > business_date
        ):
            return None
        # A reset missed (a loan opened with a past disbursement date, a date closed late): the
        # latest one due counts, and it reprices only what is not yet due on the business date.
        start, rule = loan.start_date, loan.rate_reset
        later = next_reset_after(start=start, rule=rule, after=reset_date)
        while later <= business_date:
            reset_date, later = later, next_reset_after(start=start, rule=rule, after=later)
        reprice_from = max(reset_date, business_date)
        key = f"rate_reset:{reset_date.isoformat()}"
        loan.next_rate_reset = later
        if reset_date >= loan.maturity_date:
            loan.next_rate_reset = None  # nothing left to reprice
        if loan.schedule_changes.filter(idempotency_key=key).exists():
            loan.save(update_fields=["next_rate_reset"])
            return None
        fixing = products.benchmark_fixing_before(benchmark=loan.benchmark, before=reset_date)
        if fixing is None or loan.rate_spread is None:
            loan.save(update_fields=["next_rate_reset"])
            _note(
                loan,
                actor,
                _("Rate reset on %(date)s skipped: no benchmark published before it.") % {"date": reset_date},
                reset_date=reset_date,
            )
            return None
        new_rate = max(quantize_rate(fixing.rate + loan.rate_spread), ZERO_RATE)
        schedule = sc.engine_schedule(loan)
        if not any(row.due_date > reprice_from for row in schedule.rows):
            loan.next_rate_reset = None
            loan.save(update_fields=["next_rate_reset"])
            return None
        if new_rate == loan.annual_rate:
            loan.save(update_fields=["next_rate_reset"])
            _note(
                loan,
                actor,
                _("Rate reset on %(date)s: the benchmark is unchanged, the rate stays %(rate)s.")
                % {"date": reset_date, "rate": _percent(new_rate)},
                reset_date=reset_date,
                fixing=fixing,
                annual_rate=new_rate,
            )
            return None
        try:
            result = engine.reprice(schedule, reset_date=reprice_from, annual_rate=new_rate)
        except engine.EngineValidationError:
            # Nothing left after the reset's period boundary (the last installment's period).
            loan.next_rate_reset = None
            loan.save(update_fields=["next_rate_reset"])
            return None
        effective = result.effective_date
        sc.check_tail(sc.stored_rows(loan), schedule.rows[result.installments_kept :], after=effective)
        rows = sc.engine_rows(result.remaining.rows, sc.next_number(loan, after=effective))
        replaced = sc.replace_after(loan, after=effective, rows=rows)
        old_rate, base_version = loan.annual_rate, loan.schedule_version
        if loan.initial_rate is None:
            loan.initial_rate = old_rate  # a loan opened before resets existed
        params = {"reset_date": reprice_from, "annual_rate": new_rate}
        penalty = rules.penalty_rate_after(loan=loan, old_rate=old_rate, new_rate=new_rate)
        if penalty is not None:
            # Contract rate × multiplier follows the new rate from the reset date (the replay
            # reads the dated rates from the changes: `servicing.repayments.penalty_changes`).
            params.update(penalty_from=reprice_from, penalty_rate=penalty, old_penalty_rate=loan.penalty_rate)
            loan.penalty_rate = penalty
        loan.annual_rate = new_rate
        loan.schedule_version += 1
        fields = ["next_rate_reset", "initial_rate", "annual_rate", "penalty_rate", "schedule_version"]
        loan.save(update_fields=fields)
        now = clock.now()
        quote = {
            "kind": ScheduleChangeKind.RATE_RESET,
            "reset_date": reset_date,
            "effective_date": effective,
            "benchmark": loan.benchmark,
            "fixing_date": fixing.effective_date,
            "fixing_rate": fixing.rate,
            "spread": loan.rate_spread,
            "old_rate": old_rate,
            "new_rate": new_rate,
            "new_schedule": sc.plain_rows(rows),
            "schedule_version": base_version,
        }
        change = ScheduleChange.objects.create(
            loan=loan,
            kind=ScheduleChangeKind.RATE_RESET,
            status=ChangeStatus.APPROVED,
            params=json_safe(params),
            quote=json_safe(quote),
            replaced_rows=json_safe(replaced),
            amount=Decimal("0.00"),
            base_version=base_version,
            reason=_("Floating rate reset"),
            idempotency_key=key,
            requested_at=now,
            decided_at=now,
        )
        loan = loan_refresh(
            loan,
            kind=EntryKind.ADJUSTMENT,
            memo=f"Rate reset {change.pk} of {loan.number}",
            actor=actor,
            locked=True,
        )
        record_event(
            loan,
            actor=actor,
            reason=coded("svc.rate_reset", old=_percent(old_rate), new=_percent(new_rate), date=effective),
            payload={"schedule_change": change.pk, **quote},
        )
        _notify(loan, change, quote, first_row=rows[0])
    return change


def _percent(rate: Decimal) -> str:
    return percent_text(rate)


def _note(loan: Loan, actor, reason: str, *, reset_date: dt.date, fixing=None, annual_rate=None) -> None:
    payload = {"rate_reset": reset_date, "next_rate_reset": loan.next_rate_reset}
    if fixing is not None:
        payload.update(
            {"fixing_date": fixing.effective_date, "fixing_rate": fixing.rate, "new_rate": annual_rate}
        )
    record_event(loan, actor=actor, reason=reason, payload=payload)


def _notify(loan: Loan, change: ScheduleChange, quote: dict, *, first_row: sc.Row) -> None:
    """The customer's notice (portal inbox) in their language; a message already sent for this
    reset is not sent again (the dedupe key)."""
    customer = loan.customer
    language = customer_language(customer=customer)
    with translation.override(language):
        summary = floating_summary(loan) or {"benchmark": "", "spread": ""}
        context = {
            "loan": loan.number,
            "benchmark": summary["benchmark"],
            "spread": summary["spread"],
            "fixing_date": date_text(quote["fixing_date"], language=language),
            "fixing_rate": _percent(quote["fixing_rate"]),
            "old_rate": _percent(quote["old_rate"]),
            "new_rate": _percent(quote["new_rate"]),
            "effective_date": date_text(quote["effective_date"], language=language),
            "next_due_date": date_text(first_row.due_date, language=language),
            "installment": cny_text(first_row.payment, language=language),
        }
    try:
        notifications.message_send_template(
            key=TEMPLATE,
            language=language,
            user=customer.user,
            channel="portal",
            dedupe_key=f"rate_reset:{loan.pk}:{quote['reset_date'].isoformat()}",
            context=context,
        )
    except NotificationInvalid:
        # The template was removed by an operator: the reset stands, the loan event records it.
        logger.error("rate_reset template missing: no notice for %s (change %s)", loan.number, change.pk)
