"""Early warning (风险预警): daily signals per loan before delinquency, a weighted score, and the
officers' queue of warnings; the precision and recall of the warnings against 30+ days past due.

After each close of business `early_warnings_build(as_of)` looks at the loans on the book that
day and less than 30 days past due (the later ones belong to collections) and finds, each with
one set-based query (the rows never come to Python one loan at a time; only the hits do):

- `partial_payment`: an installment due in the last `LOOKBACK_DAYS` days is partly paid and not
  settled;
- `repayment_drift`: an installment due in the last `LOOKBACK_DAYS` days was settled at least
  `DRIFT_DAYS` days after its due date while the one before was settled on time;
- `grace_repeat`: of the installments due in the last `GRACE_WINDOW_DAYS` days, `GRACE_REPEATS` or
  more were settled late but inside the loan's overdue grace days (late, never "past due");
- `utilisation_spike`: a credit line of the same customer uses at least `SPIKE_LEVEL` of its limit
  and `SPIKE_RISE` more than it did `SPIKE_DAYS` days earlier (rebuilt from its draws and
  repayments since);
- `flagged_segment`: the customer's industry or region is flagged by an analyst (`FlaggedSegment`);
- `new_application_elsewhere` (多头借贷): the credit bureau reports inquiries by other lenders in the
  last `LOOKBACK_DAYS` days (`risk.bureau.CreditBureau.inquiries`, asked for the customers on the
  book in batches by `bureau_new_applications`, the default of the pluggable
  `LOANHUB_EARLY_WARNING_SOURCES`; the local bureau answers from its `BureauInquiry` rows);
- `income_drop`: the customer's latest income re-verification of the last `LOOKBACK_DAYS` days
  (`customers.IncomeVerification`: updated on the portal or re-verified by an officer) is at least
  `LOANHUB_EARLY_WARNING_INCOME_DROP` (a share) below the income the loan's application was
  decided on;
- `score_drift`: the loan's latest periodic rescore (`monitoring.rescore`, `LoanRescore`) of the
  last `RESCORE_WINDOW_DAYS` days is `LOANHUB_EARLY_WARNING_SCORE_DROP` points or
  `LOANHUB_EARLY_WARNING_GRADE_DROP` grades below its score at application (same model);
- `line_overdue`: a credit line of the same customer has its statement's minimum due unpaid past
  its due date.

A customer who holds only a credit line (no loan on the book that day) gets warnings on the line
itself: its `utilisation_spike`; `repayment_drift` when the minimum due of its last statement
is past its due date (1–29 days; later belongs to collections); and the customer's
`flagged_segment`, `new_application_elsewhere` and `income_drop` (against the line's
application), as a loan has them. Lines are not rescored.

A loan's (or line's) score is the sum of the weights (`SignalWeight`, data edited by risk analysts) of the
signals it shows. At or above `LOANHUB_EARLY_WARNING_THRESHOLD` it opens an `EarlyWarning` — or,
when the loan already has one that is not closed, updates that one's score and reasons. A date run
twice writes nothing twice: one live warning per loan and one warning per loan and raising date
are database constraints, and an unchanged warning is not written again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from loanhub.errors import Invalid, NotFound
from loanhub.money import MONEY_DIGITS, MONEY_PLACES
from loanhub.transitions import run_transition
from monitoring.models import (
    WARNING_LIVE,
    EarlyWarning,
    EarlyWarningEvent,
    FlaggedSegment,
    LoanRescore,
    Signal,
    SignalWeight,
    WarningOutcome,
    WarningStatus,
)
from servicing import selectors as servicing

DPD30 = 30
LOOKBACK_DAYS = 35
DRIFT_DAYS = 3
GRACE_WINDOW_DAYS = 180
GRACE_REPEATS = 2
SPIKE_DAYS = 30
SPIKE_LEVEL = Decimal("0.80")
SPIKE_RISE = Decimal("0.30")
RESCORE_WINDOW_DAYS = 35  # the rescore runs monthly: its latest row stays in view until the next
_MONEY = DecimalField(max_digits=MONEY_DIGITS + 2, decimal_places=MONEY_PLACES)
_ZERO = Value(Decimal("0.00"), output_field=_MONEY)


# --- Sources outside servicing ------------------------------------------------------------------
class CustomerEventSource(Protocol):
    """What a bureau reports: the customers with the event between `since` (exclusive) and `until`
    (inclusive), each with a short detail for the officer."""

    def __call__(self, *, since: dt.date, until: dt.date) -> dict[int, str]: ...


def no_events(*, since: dt.date, until: dt.date) -> dict[int, str]:
    """A source that reports nothing (to switch a source off)."""
    return {}


BUREAU_CHUNK = 1000


def bureau_new_applications(*, since: dt.date, until: dt.date) -> dict[int, str]:
    """The default `new_application_elsewhere` source: the credit bureau's inquiries by other
    lenders (`CreditBureau.inquiries`) for every customer with a loan or credit line on the book
    on `until`, asked in batches. Detail: how many, and the latest institution and day."""
    from customers import selectors as customers
    from risk.bureau import get_bureau

    on_book = set(servicing.snapshots_on(until).values_list("loan__customer_id", flat=True))
    on_book |= set(servicing.credit_lines_on_book().values_list("customer_id", flat=True))
    if not on_book:
        return {}
    bureau = get_bureau()
    ordered = sorted(on_book)
    reported: dict[int, str] = {}
    for start in range(0, len(ordered), BUREAU_CHUNK):
        numbers = customers.customer_id_numbers(customer_ids=ordered[start : start + BUREAU_CHUNK])
        customer_of = {number: customer_id for customer_id, number in numbers.items()}
        found = bureau.inquiries(id_numbers=list(customer_of), since=since, until=until)
        for number, inquiries in found.items():
            if inquiries:
                latest = max(inquiries, key=lambda i: i.inquired_on)
                reported[customer_of[number]] = (
                    f"{len(inquiries)}× ({latest.institution} {latest.inquired_on.isoformat()})"
                )
    return reported


EXTERNAL_SIGNALS = (Signal.NEW_APPLICATION_ELSEWHERE,)


def source_for(signal: str) -> CustomerEventSource:
    path = settings.LOANHUB_EARLY_WARNING_SOURCES.get(signal, "monitoring.early_warning.no_events")
    return import_string(path)


# --- Signals -----------------------------------------------------------------------------------
def _candidates(as_of: dt.date) -> QuerySet:
    """The day's snapshots of loans not yet 30 days past due."""
    return servicing.snapshots_on(as_of).filter(days_past_due__lt=DPD30)


def _candidate_ids(as_of: dt.date) -> Subquery:
    return Subquery(_candidates(as_of).values("loan_id"))


def _partial_payments(as_of: dt.date) -> Iterable[tuple[int, str]]:
    rows = servicing.installments_of_active_loans().filter(
        loan_id__in=_candidate_ids(as_of),
        due_date__gt=as_of - dt.timedelta(days=LOOKBACK_DAYS),
        due_date__lte=as_of,
        paid_on__isnull=True,
    )
    rows = rows.annotate(paid=F("paid_principal") + F("paid_interest") + F("paid_fees")).filter(paid__gt=0)
    for loan_id, number, paid, payment in rows.values_list("loan_id", "number", "paid", "payment"):
        # SQLite returns the sum without its trailing zeros: the same figure on every database
        yield loan_id, f"#{number}: {Decimal(paid).quantize(Decimal('0.01'))} / {payment}"


def _drift(as_of: dt.date) -> Iterable[tuple[int, str]]:
    installments = servicing.installments_of_active_loans()
    previous_on_time = installments.filter(
        loan_id=OuterRef("loan_id"), number=OuterRef("number") - 1, paid_on__lte=F("due_date")
    )
    rows = installments.filter(
        loan_id__in=_candidate_ids(as_of),
        due_date__gt=as_of - dt.timedelta(days=LOOKBACK_DAYS),
        paid_on__lte=as_of,
        paid_on__gte=F("due_date") + dt.timedelta(days=DRIFT_DAYS),
    ).filter(Exists(previous_on_time))
    for loan_id, number, due, paid in rows.values_list("loan_id", "number", "due_date", "paid_on"):
        yield loan_id, f"#{number}: +{(paid - due).days}d"


def _grace_repeats(as_of: dt.date) -> Iterable[tuple[int, str]]:
    rows = servicing.installments_of_active_loans().filter(
        loan_id__in=_candidate_ids(as_of),
        loan__overdue_grace_days__gt=0,
        paid_on__gt=F("due_date"),
        paid_on__lte=as_of,
        # Bounded by the due date, so the installments' (due_date, loan) index serves it.
        due_date__gt=as_of - dt.timedelta(days=GRACE_WINDOW_DAYS),
    )
    # One query per grace length in use (a handful): "due date + the loan's grace days" with a
    # constant interval works on every database (SQLite cannot multiply an interval by a column).
    graces = sorted(set(rows.order_by().values_list("loan__overdue_grace_days", flat=True).distinct()))
    if not graces:
        return
    inside = Q()
    for days in graces:
        inside |= Q(loan__overdue_grace_days=days, paid_on__lte=F("due_date") + dt.timedelta(days=days))
    counts = rows.filter(inside).values("loan_id").annotate(n=Count("pk")).filter(n__gte=GRACE_REPEATS)
    for loan_id, n in counts.values_list("loan_id", "n"):
        yield loan_id, f"{n}×"


def _spiking_lines(as_of: dt.date) -> QuerySet:
    """Credit lines at `SPIKE_LEVEL` of their limit and `SPIKE_RISE` above `SPIKE_DAYS` ago."""
    since = as_of - dt.timedelta(days=SPIKE_DAYS)
    moves = servicing.credit_line_transactions().filter(
        credit_line_id=OuterRef("pk"), value_date__gt=since, value_date__lte=as_of
    )
    drawn = moves.filter(kind="draw").values("credit_line_id").annotate(s=Sum("amount")).values("s")
    repaid = moves.filter(kind="repayment").values("credit_line_id").annotate(s=Sum("principal")).values("s")
    lines = (
        servicing.credit_lines_on_book()
        .filter(credit_limit__gt=0)
        .annotate(
            before=F("principal")
            - Coalesce(Subquery(drawn, output_field=_MONEY), _ZERO)
            + Coalesce(Subquery(repaid, output_field=_MONEY), _ZERO)
        )
        .filter(principal__gte=F("credit_limit") * SPIKE_LEVEL)
        .filter(principal__gte=F("before") + F("credit_limit") * SPIKE_RISE)
    )
    return lines


def _utilisation_spikes(as_of: dt.date) -> Iterable[tuple[int, str]]:
    lines = _spiking_lines(as_of)
    spikes = {
        customer_id: (principal, before, limit)
        for customer_id, principal, before, limit in lines.values_list(
            "customer_id", "principal", "before", "credit_limit"
        )
    }
    if not spikes:
        return
    for loan_id, customer_id in (
        _candidates(as_of)
        .filter(loan__customer_id__in=list(spikes))
        .values_list("loan_id", "loan__customer_id")
    ):
        principal, before, limit = spikes[customer_id]
        yield loan_id, f"{before / limit:.0%} → {principal / limit:.0%}"


def _flagged_in(rows: QuerySet, key: str, customer: str) -> Iterable[tuple[int, str]]:
    """The rows (`key` → id) whose customer (path `customer`) is in a flagged region or industry."""
    flags = FlaggedSegment.objects.filter(active=True)
    regions = list(flags.filter(kind=FlaggedSegment.Kind.REGION).values_list("value", flat=True))
    industries = list(flags.filter(kind=FlaggedSegment.Kind.INDUSTRY).values_list("value", flat=True))
    if not (regions or industries):
        return
    rows = rows.filter(
        Q(**{f"{customer}__region__in": regions}) | Q(**{f"{customer}__industry__in": industries})
    )
    for pk, region, industry in rows.values_list(key, f"{customer}__region", f"{customer}__industry"):
        named = [region] if region in regions else []
        named += [industry] if industry in industries else []
        yield pk, ", ".join(named)


def _flagged(as_of: dt.date) -> Iterable[tuple[int, str]]:
    return _flagged_in(_candidates(as_of), "loan_id", "loan__customer")


def _external_in(signal: str, as_of: dt.date, rows: QuerySet, key: str, customer_id: str):
    reported = source_for(signal)(since=as_of - dt.timedelta(days=LOOKBACK_DAYS), until=as_of)
    if not reported:
        return
    for pk, customer in rows.filter(**{f"{customer_id}__in": list(reported)}).values_list(key, customer_id):
        yield pk, reported[customer]


def _external(signal: str, as_of: dt.date) -> Iterable[tuple[int, str]]:
    return _external_in(signal, as_of, _candidates(as_of), "loan_id", "loan__customer_id")


def _application_incomes(origin_refs) -> dict[str, Decimal]:
    """The monthly income each origin's application was decided on."""
    from applications import selectors as applications
    from risk import selectors as risk

    decision_of = applications.decision_ids_by_origin(origin_refs=origin_refs)
    facts = risk.decision_facts(decision_ids=decision_of.values())
    incomes = {}
    for origin, decision_id in decision_of.items():
        income = facts.get(decision_id, {}).get("features", {}).get("monthly_income")
        if income not in (None, ""):
            incomes[origin] = Decimal(str(income))
    return incomes


def _income_drops_in(as_of: dt.date, rows: QuerySet, key: str, customer: str, origin: str):
    """The rows (`key` → id) whose customer's latest re-verified income of the last
    `LOOKBACK_DAYS` days fell at least `LOANHUB_EARLY_WARNING_INCOME_DROP` below the income of the
    row's application."""
    from customers import selectors as customers

    latest = customers.income_verifications_latest(
        customer_ids=rows.values(customer), since=as_of - dt.timedelta(days=LOOKBACK_DAYS), until=as_of
    )
    if not latest:
        return
    found = list(rows.filter(**{f"{customer}__in": list(latest)}).values_list(key, customer, origin))
    applied = _application_incomes([o for _, _, o in found])
    share = Decimal(str(settings.LOANHUB_EARLY_WARNING_INCOME_DROP))
    for pk, customer_id, origin_ref in found:
        before = applied.get(origin_ref)
        _on, now, _source = latest[customer_id]
        if before is None or before <= 0:
            continue
        drop = (before - now) / before
        if drop >= share:
            yield pk, f"{before:.2f} → {now:.2f} (-{drop:.0%})"


def _income_drops(as_of: dt.date) -> Iterable[tuple[int, str]]:
    return _income_drops_in(as_of, _candidates(as_of), "loan_id", "loan__customer_id", "loan__origin_ref")


def _grade_steps(before: str, now: str) -> int:
    """Grades are letters, A the best: how many grades worse `now` is."""
    return ord(now[:1] or "A") - ord(before[:1] or "A")


def _score_drifts(as_of: dt.date) -> Iterable[tuple[int, str]]:
    """The loan's latest rescore of the last `RESCORE_WINDOW_DAYS` days fell far enough below its
    score at application (see the module)."""
    points = int(settings.LOANHUB_EARLY_WARNING_SCORE_DROP)
    grades = int(settings.LOANHUB_EARLY_WARNING_GRADE_DROP)
    rows = (
        LoanRescore.objects.filter(
            loan_id__in=_candidate_ids(as_of),
            as_of__gt=as_of - dt.timedelta(days=RESCORE_WINDOW_DAYS),
            as_of__lte=as_of,
        )
        .order_by("loan_id", "as_of")
        .values_list("loan_id", "baseline_score", "baseline_grade", "score", "grade")
    )
    latest = {row[0]: row[1:] for row in rows}
    for loan_id, (before, before_grade, now, grade) in sorted(latest.items()):
        if before - now >= points or _grade_steps(before_grade, grade) >= grades:
            yield loan_id, f"{before} {before_grade} → {now} {grade}"


def _line_overdue(as_of: dt.date) -> Iterable[tuple[int, str]]:
    """Loans whose customer has a credit line with its statement's minimum due unpaid past its
    due date (any number of days: a line in collections weighs on the loan too)."""
    overdue = servicing.credit_lines_on_book().filter(days_past_due__gt=0, minimum_due__gt=0)
    lines = {
        customer_id: f"{number}: {minimum} due {due}: +{dpd}d"
        # ascending, so a customer with two overdue lines is shown the later one
        for customer_id, number, minimum, due, dpd in overdue.order_by("days_past_due", "pk").values_list(
            "customer_id", "number", "minimum_due", "due_date", "days_past_due"
        )
    }
    if not lines:
        return
    rows = _candidates(as_of).filter(loan__customer_id__in=list(lines))
    for loan_id, customer_id in rows.values_list("loan_id", "loan__customer_id"):
        yield loan_id, lines[customer_id]


def signals_on(as_of: dt.date) -> dict[int, list[tuple[str, str]]]:
    """Every signal of the date: loan id → [(signal, detail)], only loans with a signal."""
    finders = {
        Signal.PARTIAL_PAYMENT: _partial_payments,
        Signal.REPAYMENT_DRIFT: _drift,
        Signal.GRACE_REPEAT: _grace_repeats,
        Signal.UTILISATION_SPIKE: _utilisation_spikes,
        Signal.FLAGGED_SEGMENT: _flagged,
        Signal.INCOME_DROP: _income_drops,
        Signal.SCORE_DRIFT: _score_drifts,
        Signal.LINE_OVERDUE: _line_overdue,
    }
    hits: dict[int, dict[str, str]] = defaultdict(dict)
    for signal, finder in finders.items():
        for loan_id, detail in finder(as_of):
            hits[loan_id].setdefault(signal, detail)
    for signal in EXTERNAL_SIGNALS:
        for loan_id, detail in _external(signal, as_of):
            hits[loan_id].setdefault(signal, detail)
    return {loan_id: sorted(found.items()) for loan_id, found in hits.items()}


def _line_only(as_of: dt.date) -> QuerySet:
    """Credit lines on the book whose customer has no loan on the book that day."""
    with_loans = servicing.snapshots_on(as_of).values("loan__customer_id")
    return servicing.credit_lines_on_book().exclude(customer_id__in=with_loans)


def _line_spikes(as_of: dt.date) -> Iterable[tuple[int, str]]:
    lines = _spiking_lines(as_of).filter(pk__in=_line_only(as_of).values("pk"))
    for line_id, principal, before, limit in lines.values_list("pk", "principal", "before", "credit_limit"):
        yield line_id, f"{before / limit:.0%} → {principal / limit:.0%}"


def _minimum_drift(as_of: dt.date) -> Iterable[tuple[int, str]]:
    """The minimum due of the line's last statement is past its due date, not yet 30 days."""
    rows = _line_only(as_of).filter(days_past_due__gt=0, days_past_due__lt=DPD30, minimum_due__gt=0)
    for line_id, due, dpd, minimum in rows.values_list("pk", "due_date", "days_past_due", "minimum_due"):
        yield line_id, f"{minimum} due {due}: +{dpd}d"


def line_signals_on(as_of: dt.date) -> dict[int, list[tuple[str, str]]]:
    """The signals of the credit lines of customers without a loan: line id → [(signal, detail)].
    (A customer with a loan has the line's utilisation spike on the loan's warning.)"""
    hits: dict[int, dict[str, str]] = defaultdict(dict)
    lines = _line_only(as_of)
    finders = {
        Signal.UTILISATION_SPIKE: _line_spikes(as_of),
        Signal.REPAYMENT_DRIFT: _minimum_drift(as_of),
        Signal.FLAGGED_SEGMENT: _flagged_in(lines, "pk", "customer"),
        Signal.INCOME_DROP: _income_drops_in(as_of, lines, "pk", "customer_id", "origin_ref"),
        **{signal: _external_in(signal, as_of, lines, "pk", "customer_id") for signal in EXTERNAL_SIGNALS},
    }
    for signal, found in finders.items():
        for line_id, detail in found:
            hits[line_id].setdefault(signal, detail)
    return {line_id: sorted(found.items()) for line_id, found in hits.items()}


# --- Warnings ----------------------------------------------------------------------------------
def weights() -> dict[str, Decimal]:
    return dict(SignalWeight.objects.filter(enabled=True).values_list("signal", "weight"))


def score_of(found: list[tuple[str, str]], weight_of: dict[str, Decimal]) -> tuple[Decimal, list[dict]]:
    """The warning score of a loan's signals and its reasons (heaviest first)."""
    reasons = [
        {"signal": signal, "weight": str(weight_of[signal]), "detail": detail}
        for signal, detail in found
        if signal in weight_of
    ]
    reasons.sort(key=lambda r: (-Decimal(r["weight"]), r["signal"]))
    return sum((Decimal(r["weight"]) for r in reasons), Decimal("0.00")), reasons


def early_warnings_build(*, as_of: dt.date) -> dict[str, int]:
    """Open or update the date's early warnings (see the module): the loans', then the credit
    lines' of customers without a loan; idempotent. Returns {"opened": n, "updated": n}."""
    threshold = Decimal(str(settings.LOANHUB_EARLY_WARNING_THRESHOLD))
    weight_of = weights()
    totals = {"opened": 0, "updated": 0}
    for field, found_by in (("loan_id", signals_on(as_of)), ("credit_line_id", line_signals_on(as_of))):
        scored = {}
        for key, found in found_by.items():
            score, reasons = score_of(found, weight_of)
            if reasons and score >= threshold:
                scored[key] = (score, reasons)
        if scored:
            opened, updated = _write_warnings(field, scored, as_of)
            totals["opened"] += opened
            totals["updated"] += updated
    return totals


def _numbers(field: str, keys: list[int], as_of: dt.date) -> dict[int, str]:
    if field == "loan_id":
        rows = servicing.snapshots_on(as_of).filter(loan_id__in=keys)
        return dict(rows.values_list("loan_id", "loan__number"))
    return dict(servicing.credit_lines_on_book().filter(pk__in=keys).values_list("pk", "number"))


def _write_warnings(field: str, scored: dict, as_of: dt.date) -> tuple[int, int]:
    """Update the live warnings of `scored` (keyed by `field`: loan or line id), open the rest."""
    with transaction.atomic():
        live = {
            getattr(w, field): w
            for w in EarlyWarning.objects.select_for_update().filter(
                status__in=WARNING_LIVE, **{f"{field}__in": list(scored)}
            )
        }
        cool_off = dt.timedelta(days=settings.LOANHUB_EARLY_WARNING_COOL_OFF_DAYS)
        held_back = set(
            EarlyWarning.objects.filter(**{f"{field}__in": list(scored)})
            .filter(Q(raised_on=as_of) | Q(closed_on__gt=as_of - cool_off))
            .values_list(field, flat=True)
        )
        changed, notes = [], []
        for key, warning in live.items():
            score, reasons = scored[key]
            if warning.score == score and warning.reasons == reasons and warning.last_seen_on >= as_of:
                continue
            if as_of < warning.last_seen_on:
                continue  # an earlier date run again does not undo a later one
            warning.score, warning.reasons, warning.last_seen_on = score, reasons, as_of
            changed.append(warning)
            notes.append(
                EarlyWarningEvent(
                    warning=warning,
                    from_state=warning.status,
                    to_state=warning.status,
                    reason="rescored",
                    payload={"as_of": as_of.isoformat(), "score": str(score), "reasons": reasons},
                )
            )
        EarlyWarning.objects.bulk_update(changed, ["score", "reasons", "last_seen_on"], batch_size=1000)
        numbers = _numbers(field, [k for k in scored if k not in live and k not in held_back], as_of)
        new = [
            EarlyWarning(
                **{field: key},
                loan_number=number,
                raised_on=as_of,
                last_seen_on=as_of,
                score=scored[key][0],
                reasons=scored[key][1],
            )
            for key, number in sorted(numbers.items())
        ]
        created = EarlyWarning.objects.bulk_create(new, batch_size=1000)
        for warning in created:
            notes.append(
                EarlyWarningEvent(
                    warning=warning,
                    from_state="",
                    to_state=WarningStatus.OPEN,
                    reason="raised",
                    payload={
                        "as_of": as_of.isoformat(),
                        "score": str(warning.score),
                        "reasons": warning.reasons,
                    },
                )
            )
        EarlyWarningEvent.objects.bulk_create(notes, batch_size=1000)
    return len(created), len(changed)


ACTIONS = ("acknowledge", "contact", "action", "close")


def early_warning_transition(
    *, warning_id: int, action: str, actor, reason: str = "", outcome: str = "", today: dt.date | None = None
) -> EarlyWarning:
    """Move a warning one step in the officers' queue (locked, guarded, permission-checked, with
    its event). Closing needs an outcome."""
    if action not in ACTIONS:
        raise Invalid({"action": [_("Unknown action.")]})
    if not EarlyWarning.objects.filter(pk=warning_id).exists():
        raise NotFound(_("No such early warning."))
    if action == "close" and outcome not in WarningOutcome.values:
        raise Invalid({"outcome": [_("Choose the outcome of the warning.")]})

    def before(row: EarlyWarning) -> dict | None:
        if action != "close":
            return None
        from loanhub import clock

        row.outcome = outcome
        row.closed_on = today or clock.today()
        return {"outcome": outcome}

    fields = ("outcome", "closed_on") if action == "close" else ()
    warning = run_transition(
        warning_id, action, actor=actor, reason=reason, model=EarlyWarning, fields=fields, before=before
    )
    if action == "contact":
        from monitoring.notices import warning_contacted

        warning_contacted(warning)  # the customer is told once, after the commit
    return warning


# --- Precision and recall ----------------------------------------------------------------------

# Measured and listed in their own module (this one's length), the names kept here.
from monitoring.warning_performance import (  # noqa: E402, F401, I001
    HORIZON_DAYS,
    early_warnings_list,
    warning_performance,
)
