"""Reads of servicing: which loans a user may see, one loan with its schedule, ledger balances.

Visibility is decided here once for the API, the portal and other apps: a customer sees only the
loans of their own customer profile; staff holding `servicing.view_loan` see every loan; anyone
else sees none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from loanhub import clock
from loanhub.money import MONEY_DIGITS, MONEY_PLACES, quantize_money
from loanhub.permissions import may
from loanhub.queries import CompiledRead
from products.choices import Segment
from servicing.behaviour import punctuality
from servicing.choices import NON_PERFORMING_CLASSES, Classification, CobStatus, LoanStatus, RepaymentStatus
from servicing.models import (
    CobRun,
    CreditLine,
    CreditLineTransaction,
    JournalEntry,
    LedgerAccount,
    Loan,
    LoanInstallment,
    LoanSnapshot,
    Posting,
    Repayment,
)
from servicing.models.lines import CreditLineStatus

ZERO = Decimal("0.00")
# Sums of many money columns may need more digits than one column holds.
_MONEY_SUM = {"output_field": DecimalField(max_digits=MONEY_DIGITS + 2, decimal_places=MONEY_PLACES)}


def _sum(field: str, filter: Q | None = None):
    return Coalesce(Sum(field, filter=filter), Value(ZERO), **_MONEY_SUM)


def may_view_all_loans(user) -> bool:
    return may(user, "servicing.view_loan")


def _base() -> QuerySet[Loan]:
    return Loan.objects.select_related("product_version__product").order_by("-id")


def loans_of_user(user) -> QuerySet[Loan]:
    """The loans of the user's own customer profile (none for a user without one)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Loan.objects.none()
    return _base().filter(customer__user=user)


def loans_for_actor(actor) -> QuerySet[Loan]:
    """Loans `actor` may see: all for staff with servicing.view_loan, else their own."""
    if may_view_all_loans(actor):
        return _base()
    return loans_of_user(actor)


def _with_schedule(queryset: QuerySet[Loan]) -> QuerySet[Loan]:
    return queryset.prefetch_related(
        Prefetch("installments", queryset=LoanInstallment.objects.order_by("number"))
    )


def loan_get_for_actor(*, loan_id: int, actor) -> Loan:
    """One visible loan with its installments; Loan.DoesNotExist when it is not visible."""
    return _with_schedule(loans_for_actor(actor)).get(pk=loan_id)


def loan_get_of_user(*, loan_id: int, user) -> Loan:
    """One of the user's own loans with its installments (the customer portal)."""
    return _with_schedule(loans_of_user(user)).get(pk=loan_id)


def repayments_of_loan(*, loan: Loan) -> QuerySet[Repayment]:
    """The loan's repayments, reversed ones included, latest value date first."""
    return Repayment.objects.filter(loan=loan).order_by("-value_date", "-id")


def repayment_get_for_actor(*, repayment_id: int, actor) -> Repayment:
    """A repayment of a loan `actor` may see; Repayment.DoesNotExist otherwise."""
    visible = loans_for_actor(actor).order_by().values("pk")
    return Repayment.objects.select_related("loan").get(pk=repayment_id, loan__in=visible)


def loan_installments_paid_on_time(*, loan_id: int) -> list[int]:
    """The numbers of the loan's installments settled in full on time (`servicing.behaviour`: by
    the due date plus the loan's grace days), as its last replay stands (a reversal takes one out)."""
    installments = LoanInstallment.objects.filter(loan_id=loan_id)
    on_time = punctuality(installments, as_of=dt.date.max).on_time
    return list(installments.filter(on_time).order_by("number").values_list("number", flat=True))


def loans_on_time_after_months(*, origin_refs, months: int = 3, today=None) -> dict[str, bool | None]:
    """For marketing's funnel: per origin ("A00000042") whose loan was opened, whether the
    installments due in its first `months` months (from the disbursement date) were all paid on
    time (`servicing.behaviour`: by the due date plus the grace days). None while those months have
    not passed yet; False if one was paid late or is unpaid past its grace. Three queries."""
    from products.engine import add_months

    today = today or clock.today()
    loans = {
        pk: (origin, add_months(start, months))
        for pk, origin, start in Loan.objects.filter(origin_ref__in=list(origin_refs)).values_list(
            "pk", "origin_ref", "start_date"
        )
    }
    due = LoanInstallment.objects.filter(loan_id__in=list(loans), due_date__lt=today)
    late = set(due.filter(punctuality(due, as_of=today).late).values_list("loan_id", "due_date"))
    late_loans = {loan_id for loan_id, due in late if due <= loans[loan_id][1]}
    return {origin: (None if today < end else pk not in late_loans) for pk, (origin, end) in loans.items()}


def loans_revenue(*, origin_refs) -> Decimal:
    """For marketing's funnel: the interest, penalty interest and fees collected so far on the loans
    opened from these origins (posted repayments; reversed ones do not count). One aggregate query,
    no personal data."""
    totals = Repayment.objects.filter(
        loan__origin_ref__in=list(origin_refs), status=RepaymentStatus.POSTED
    ).aggregate(interest=Sum("interest"), penalty=Sum("penalty"), fees=Sum("fees"))
    return quantize_money(sum((value or Decimal("0")) for value in totals.values()))


def loans_with_installments_due_on(day) -> list[tuple[int, int]]:
    """(loan id, customer id) of the loans with an installment due on `day` (close of business
    settles early payments held as credit on the due date)."""
    return list(
        Loan.objects.filter(installments__due_date=day)
        .distinct()
        .order_by("pk")
        .values_list("pk", "customer_id")
    )


def customer_has_loans(*, customer_id: int) -> bool:
    """True once a loan was ever opened for the customer (whatever its state now)."""
    return bool(_ANY_LOAN.rows(customer_id))


# Asked for every signed-in quote: compiled once (loanhub.queries).
_ANY_LOAN = CompiledRead(
    lambda customer: Loan.objects.filter(customer_id=customer).order_by().values_list("pk")[:1]
)


def customer_segments_now(customer, *, behaviour: frozenset[str] | None = None) -> frozenset[str]:
    """The one answer to "which catalogue segments is this customer in?" for a quote and for an
    offer alike: their profile's (customers.selectors.customer_segments), `new_customer`
    while no loan was ever opened for them, else their behaviour tags (servicing.behaviour:
    `loyal`, `repeat_borrower`, `lapsed`), and the invitations of the campaigns that reached
    them (`invited:<promotion code>`, products.hooks) and the pilots of promotions they are in
    (`pilot:<PRODUCT>/<code>`). Promotions and fee waivers name these segments. `behaviour`: the
    customer's behaviour tags when the caller read them for many customers at once."""
    from customers.selectors import customer_segments
    from products.hooks import invitations, pilot_memberships
    from servicing.behaviour import customer_behaviour_segments

    segments = set(customer_segments(customer))
    if not customer_has_loans(customer_id=customer.pk):
        segments.add(Segment.NEW_CUSTOMER)
    else:  # behaviour tags (loyal, repeat_borrower, lapsed) need a loan: none for a new customer
        if behaviour is None:
            behaviour = customer_behaviour_segments(customer_id=customer.pk, as_of=clock.today())
        segments |= behaviour
    segments |= invitations(customer_id=customer.pk)
    segments |= pilot_memberships(customer_id=customer.pk)
    return frozenset(segments)


def _snapshot_dates(loan: Loan) -> list[dt.date]:
    """Every date a snapshot of the loan can carry: from its disbursement to the last snapshot.

    The snapshots are indexed by (date, loan) only, the order close of business writes them in
    (a loan index costs every daily insert a random page; migration 0022): one lookup per date
    finds a loan's rows, where a filter on the loan alone would read the whole table."""
    last = LoanSnapshot.objects.aggregate(last=Max("business_date"))["last"]
    if last is None or last < loan.start_date:
        return []
    return [loan.start_date + dt.timedelta(days=n) for n in range((last - loan.start_date).days + 1)]


def loan_classification_history(*, loan: Loan) -> list[dict]:
    """The loan's classes over time from its close-of-business snapshots, as spans of days in one
    class: [{first, last, classification, label, min_dpd, max_dpd}, …], oldest first."""
    labels = dict(Classification.choices)
    spans: list[dict] = []
    rows = (
        LoanSnapshot.objects.filter(loan=loan, business_date__in=_snapshot_dates(loan))
        .order_by("business_date")
        .values_list("business_date", "classification", "days_past_due")
    )
    for day, klass, dpd in rows.iterator(chunk_size=2000):
        if spans and spans[-1]["classification"] == klass:
            span = spans[-1]
            span["last"] = day
            span["min_dpd"] = min(span["min_dpd"], dpd)
            span["max_dpd"] = max(span["max_dpd"], dpd)
        else:
            spans.append(
                {
                    "first": day,
                    "last": day,
                    "classification": klass,
                    "label": labels.get(klass, klass),
                    "min_dpd": dpd,
                    "max_dpd": dpd,
                }
            )
    return spans


def loan_get_by_number(number: str) -> Loan | None:
    """The loan with this number ("L00000042"), or None."""
    return Loan.objects.filter(number=number).first()


def loan_for_origin(origin_ref: str) -> Loan | None:
    """The loan opened for an origin ("A00000042"), or None before disbursement."""
    return Loan.objects.filter(origin_ref=origin_ref).first()


def ledger_accounts_with_balances() -> QuerySet[LedgerAccount]:
    """Accounts annotated with total debits, credits and balance (debits − credits), one query."""
    return LedgerAccount.objects.annotate(
        total_debit=_sum("postings__debit"),
        total_credit=_sum("postings__credit"),
    ).annotate(balance=F("total_debit") - F("total_credit"))


def trial_balance() -> dict:
    """Every account of the chart with its net balance on its side (a debit balance as debit, a
    credit balance as credit), and the totals, which are equal when the books balance. Names in
    the active language."""
    accounts = []
    total_debit = total_credit = ZERO
    for account in ledger_accounts_with_balances().order_by("code"):
        debit = account.balance if account.balance > 0 else ZERO
        credit = -account.balance if account.balance < 0 else ZERO
        total_debit += debit
        total_credit += credit
        accounts.append(
            {
                "code": account.code,
                "name": account.name,
                "kind": account.kind,
                "debit": debit,
                "credit": credit,
            }
        )
    return {"accounts": accounts, "total_debit": total_debit, "total_credit": total_credit}


def journal_entries_with_totals() -> QuerySet[JournalEntry]:
    """Entries annotated with their total debits and credits (for the 'balanced' indicator)."""
    return JournalEntry.objects.annotate(
        total_debit=_sum("postings__debit"), total_credit=_sum("postings__credit")
    )


def loan_ledger_balances(*, loan: Loan) -> dict[str, Decimal]:
    """Net (debit − credit) per account code over every entry of the loan."""
    rows = (
        Posting.objects.filter(entry__loan=loan)
        .values("account__code")
        .annotate(debit=_sum("debit"), credit=_sum("credit"))
        .order_by("account__code")
    )
    return {row["account__code"]: row["debit"] - row["credit"] for row in rows}


def provision_ratios() -> dict:
    """The book's provision coverage ratio (拨备覆盖率 = loan-loss reserve ÷ non-performing loans)
    and loan provision ratio (贷款拨备率 = reserve ÷ loans), against the regulatory floors
    (`LOANHUB_MIN_PROVISION_COVERAGE`, `LOANHUB_MIN_LOAN_PROVISION_RATIO`), as of the last closed
    business date (the provisions close of business booked then). Before the first close, the
    loans' current figures. A ratio with nothing to divide by is None."""
    run = CobRun.objects.filter(status=CobStatus.DONE).order_by("-business_date").first()
    if run is not None and "balance" in run.counts:
        as_of = run.business_date
        loans, npl, reserve = (Decimal(run.counts[k]) for k in ("balance", "npl", "provision"))
    else:
        as_of = None
        totals = Loan.objects.filter(status=LoanStatus.ACTIVE).aggregate(
            loans=_sum("principal_outstanding"),
            npl=_sum("principal_outstanding", filter=Q(classification__in=NON_PERFORMING_CLASSES)),
            reserve=_sum("sl_reserve"),
        )
        loans, npl, reserve = totals["loans"], totals["npl"], totals["reserve"]
    coverage = (reserve / npl).quantize(Decimal("0.0001")) if npl > 0 else None
    ratio = (reserve / loans).quantize(Decimal("0.0001")) if loans > 0 else None
    min_coverage = settings.LOANHUB_MIN_PROVISION_COVERAGE
    min_ratio = settings.LOANHUB_MIN_LOAN_PROVISION_RATIO
    return {
        "business_date": as_of,
        "loans": loans,
        "non_performing_loans": npl,
        "reserve": reserve,
        "coverage_ratio": coverage,
        "loan_provision_ratio": ratio,
        "min_coverage_ratio": min_coverage,
        "min_loan_provision_ratio": min_ratio,
        "coverage_ok": coverage is None or coverage >= min_coverage,
        "loan_provision_ok": ratio is None or ratio >= min_ratio,
    }


def snapshots_on(business_date) -> QuerySet[LoanSnapshot]:
    """The loans' snapshots at the end of a closed business date (monitoring aggregates them).
    For history read these, not the loans: a quiet loan's row may stand at an earlier date."""
    return LoanSnapshot.objects.filter(business_date=business_date)


def loans_disbursed_through(day) -> QuerySet[Loan]:
    """Every loan disbursed on or before `day`, whatever its state now (vintage denominators)."""
    return Loan.objects.filter(start_date__lte=day).order_by()


def customer_history_facts(*, customer_id: int, as_of=None) -> dict:
    """The customer's own repayment history with LoanHub for a risk decision (empty for a new
    customer): months on book, on-time ratio, days past due now and late payments lately, as
    `servicing.limits` scores them. Applications passes it in the scoring request."""
    from servicing.limits import customer_repayment_history

    history = customer_repayment_history(customer_id=customer_id, as_of=as_of)
    if history is None:
        return {}
    return {
        "months_on_book": history.months_on_book,
        "on_time_ratio": str(history.on_time_ratio),
        "days_past_due": history.days_past_due,
        "late_recently": history.late_recently,
    }


def loan_console_figures(*, today) -> dict:
    """The officers' start page: loans disbursed on `today` (number and principal) and the number
    of active loans past due per delinquency bucket. Two aggregate queries."""
    disbursed = Loan.objects.filter(start_date=today).aggregate(
        count=Count("id"), principal=_sum("principal")
    )
    rows = (
        Loan.objects.filter(status=LoanStatus.ACTIVE, days_past_due__gt=0)
        .values("delinquency_bucket")
        .annotate(count=Count("id"))
        .order_by()
    )
    by_bucket = {row["delinquency_bucket"]: row["count"] for row in rows}
    buckets = [
        {"bucket": code, "count": by_bucket.pop(code, 0)}
        for code, first, _last in settings.LOANHUB_DELINQUENCY_BUCKETS
        if first > 0
    ]
    buckets += [{"bucket": code, "count": count} for code, count in sorted(by_bucket.items())]
    return {
        "disbursed_count": disbursed["count"],
        "disbursed_principal": disbursed["principal"],
        "overdue_buckets": buckets,
        "overdue_count": sum(item["count"] for item in buckets),
    }


def customer_repayment_record(*, customer_id: int, today=None) -> dict:
    """For marketing's recommendations: the customer's loans (product code, category, status) and
    their on-time record (`servicing.behaviour`) — installments already due (settled or past their
    grace days), and how many of them were paid on time. Three queries, no personal data."""
    today = today or clock.today()
    loans = list(
        Loan.objects.filter(customer_id=customer_id)
        .order_by("start_date", "pk")
        .values("pk", "status", "product_version__product__code", "product_version__category")
    )
    due = LoanInstallment.objects.filter(loan__customer_id=customer_id, due_date__lt=today)
    rule = punctuality(due, as_of=today)
    counts = due.filter(rule.counted).aggregate(n=Count("pk"), on_time=Count("pk", filter=rule.on_time))
    return {
        "loans": [
            {
                "product": row["product_version__product__code"],
                "category": row["product_version__category"],
                "status": row["status"],
            }
            for row in loans
        ],
        "installments_due": counts["n"],
        "paid_on_time": counts["on_time"],
    }


def closed_business_dates(*, since: dt.date, until: dt.date) -> list[dt.date]:
    """The business dates from `since` through `until` whose close of business has finished,
    oldest first (monitoring's backfill runs each)."""
    return list(
        CobRun.objects.filter(status=CobStatus.DONE, business_date__range=(since, until))
        .order_by("business_date")
        .values_list("business_date", flat=True)
        .distinct()
    )


def last_closed_business_date() -> dt.date | None:
    """The latest business date whose close of business has finished (None before the first)."""
    from servicing.calendar import last_closed_date

    return last_closed_date()


# --- behaviour, for marketing's segments -----------------------------------------------------------
# Set-based reads: each takes `customers`, the ids to look at (a list or a `values("pk")` subquery,
# so a segment's attribute filter stays in the database), and runs one or two grouped queries
# whatever the number of customers.
OPEN_LINE_STATUSES = (CreditLineStatus.ACTIVE, CreditLineStatus.FROZEN)


def customers_holding_products(*, product_codes) -> QuerySet:
    """The ids (a `values("pk")` subquery) of the customers who hold one of these products now: a
    disbursed loan not closed (an active one; a written-off loan is not held) or an open credit
    line (active or frozen)."""
    from customers.models import Customer

    codes = list(product_codes)
    loans = Loan.objects.filter(
        customer_id=OuterRef("pk"), status=LoanStatus.ACTIVE, product_version__product__code__in=codes
    )
    lines = CreditLine.objects.filter(
        customer_id=OuterRef("pk"), status__in=OPEN_LINE_STATUSES, product_version__product__code__in=codes
    )
    return Customer.objects.filter(Exists(loans) | Exists(lines)).order_by().values("pk")


def customer_months_on_book(*, customers, as_of: dt.date) -> dict[int, int]:
    """Full months (as `servicing.limits` counts them) from each customer's first disbursement —
    their first loan's disbursement date or first draw on a credit line — to `as_of`. Customers
    never disbursed to are absent. Two grouped queries."""
    from servicing.limits import months_between
    from servicing.models import CreditLineTransactionKind

    first = dict(
        Loan.objects.filter(customer_id__in=customers, start_date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(first=Min("start_date"))
        .values_list("customer_id", "first")
    )
    draws = (
        CreditLineTransaction.objects.filter(
            credit_line__customer_id__in=customers,
            kind=CreditLineTransactionKind.DRAW,
            value_date__lte=as_of,
        )
        .order_by()
        .values("credit_line__customer_id")
        .annotate(first=Min("value_date"))
        .values_list("credit_line__customer_id", "first")
    )
    for cid, day in draws:
        first[cid] = min(first.get(cid, day), day)
    return {cid: months_between(day, as_of) for cid, day in first.items()}


def customer_repayment_activity(*, as_of: dt.date, months: int = 12) -> dict[int, dict]:
    """For marketing's RFM scores, every customer who has repaid anything up to `as_of`: customer
    id → {last: the latest value date, count: repayments with a value date within the `months`
    months before `as_of` (after as_of − months, up to as_of), amount: what those repaid}.

    Repayments are the posted (not reversed) repayments of loans and the repayments of credit
    lines; the arrears a restructuring capitalises are not cash and do not count. Two grouped
    queries over the whole book (scores rank a customer among all who repay)."""
    from dateutil.relativedelta import relativedelta

    from servicing.choices import RepaymentChannel
    from servicing.models import CreditLineTransactionKind

    since = as_of - relativedelta(months=months)
    window = Q(value_date__gt=since)
    loan_rows = (
        Repayment.objects.filter(status=RepaymentStatus.POSTED, value_date__lte=as_of)
        .exclude(channel=RepaymentChannel.RESTRUCTURE)
        .order_by()
        .values("loan__customer_id")
        .annotate(last=Max("value_date"), count=Count("id", filter=window), amount=_sum("amount", window))
        .values_list("loan__customer_id", "last", "count", "amount")
    )
    line_rows = (
        CreditLineTransaction.objects.filter(kind=CreditLineTransactionKind.REPAYMENT, value_date__lte=as_of)
        .order_by()
        .values("credit_line__customer_id")
        .annotate(last=Max("value_date"), count=Count("id", filter=window), amount=_sum("amount", window))
        .values_list("credit_line__customer_id", "last", "count", "amount")
    )
    activity: dict[int, dict] = {}
    for cid, last, count, amount in [*loan_rows, *line_rows]:
        if cid in activity:
            seen = activity[cid]
            seen["last"] = max(seen["last"], last)
            seen["count"] += count
            seen["amount"] += amount
        else:
            activity[cid] = {"last": last, "count": count, "amount": amount}
    return activity


def customers_with_loans(*, min_loans: int = 1) -> QuerySet:
    """The ids (a `values("customer_id")` subquery) of the customers for whom at least `min_loans`
    loans were ever opened (whatever their state now)."""
    return (
        Loan.objects.order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .filter(n__gte=min_loans)
        .values("customer_id")
    )


def customers_lapsed(*, closed_before: dt.date) -> QuerySet:
    """The ids (a `values("customer_id")` subquery) of the former borrowers who hold nothing now:
    every loan of theirs is closed (none active, none written off), the last closed before
    `closed_before`, and no credit line of theirs is open."""
    open_lines = CreditLine.objects.filter(status__in=OPEN_LINE_STATUSES).order_by().values("customer_id")
    return (
        Loan.objects.order_by()
        .values("customer_id")
        .annotate(last_closed=Max("closed_on"), not_closed=Count("id", filter=~Q(status=LoanStatus.CLOSED)))
        .filter(not_closed=0, last_closed__lt=closed_before)
        .exclude(customer_id__in=open_lines)
        .values("customer_id")
    )


# The book as monitoring reads it: in their own module (this one's length), the names kept here.
from servicing.monitoring_reads import (  # noqa: E402, F401, I001
    account_customer_id,
    credit_line_draws,
    credit_line_repayments,
    credit_line_transactions,
    credit_lines_on_book,
    installments_of_active_loans,
    repayments_posted,
)
from servicing.behaviour import customer_on_time_counts  # noqa: E402, F401, I001
