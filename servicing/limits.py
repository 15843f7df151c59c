"""Limits that grow with good history (初期可提供较低的贷款额度，随着客户信用记录的积累和还款能力的
提高逐步提升额度).

Once a month (`limit_proposals_run`, from Celery beat or `manage.py propose_limits`) every
customer with a loan or a credit line is scored on their own repayment history with us
(`repayment_histories`: months on book, the share of installments and credit-line minimums paid
on time (installments: by their due date plus the loan's grace days, servicing.behaviour),
utilisation of their lines, days past due now and late payments lately). A customer qualifies
under the rules of `settings.LOANHUB_LIMIT_GROWTH` and never while anything is overdue or after
a late payment within `recent_dpd_months`. A qualifying customer gets at most one proposal of
each kind a month (the database refuses a second, so the job is idempotent):

* a credit limit increase for their most used active line (utilisation at least
  `min_utilisation`): `increase_rate` more, rounded down to `round_to`, at most `max_limit`;
* a pre-approved top-up loan on their latest active instalment loan: `top_up_rate` × its
  principal, rounded down, at most `max_top_up`.

A proposal adding (an increase) or offering (a top-up) at most `LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT`
is approved by the system at once; others wait in the officers' queue (admin: servicing → limit
proposals), and above `LOANHUB_LIMIT_SECOND_APPROVAL_AMOUNT` a first officer's approval is
recorded and a different Senior Approver completes it (maker-checker). Approval re-checks that the
customer is still not overdue. An approved increase raises the line's limit through
`servicing.lines.credit_line_limit_raise` (an event on the line; the ledger keeps no off-balance
commitments, so nothing is posted). Customers see their approved, unexpired offers on "My loans"
and in `GET /api/v1/limit-offers/`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, NotFound
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import json_safe, lock, record_event, run_transition
from notifications import services as notifications
from servicing import lines
from servicing.behaviour import punctuality
from servicing.choices import InstallmentStatus, LoanStatus
from servicing.models import (
    CreditLine,
    CreditLineEvent,
    CreditLineStatement,
    CreditLineStatus,
    LimitProposal,
    LimitProposalEvent,
    LimitProposalKind,
    LimitProposalStatus,
    Loan,
    LoanInstallment,
)

__all__ = (
    "RepaymentHistory",
    "customer_repayment_history",
    "limit_offer_apply_url",
    "limit_offers_of_user",
    "limit_proposal_approve",
    "limit_proposal_reject",
    "limit_proposals_run",
    "month_start",
    "months_between",
    "repayment_histories",
)

ZERO = Decimal("0")
DECIDE = "servicing.change_limitproposal"
SENIOR = "loanhub.senior_approve"


def rules() -> dict:
    return settings.LOANHUB_LIMIT_GROWTH


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- the history ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepaymentHistory:
    """One customer's repayment behaviour with us as of a date (loans and credit lines together)."""

    customer_id: int
    months_on_book: int
    payments_due: int  # installments and line minimums that have fallen due
    paid_on_time: int
    on_time_ratio: Decimal
    days_past_due: int  # the worst now, over loans and lines
    late_recently: int  # payments late (or unpaid) falling due within `recent_dpd_months`
    ever_written_off: bool
    utilisation: Decimal | None  # the most used active line's (None without a line)

    @property
    def overdue(self) -> bool:
        return self.days_past_due > 0

    def score(self) -> int:
        """0–100: on-time ratio, months on book and utilisation, weighted as the rules say."""
        r = rules()
        months = min(Decimal(self.months_on_book) / Decimal(r["full_months"]), Decimal(1))
        used = Decimal(1)
        if self.utilisation is not None and r["min_utilisation"]:
            used = min(self.utilisation / r["min_utilisation"], Decimal(1))
        points = (
            r["weight_on_time"] * self.on_time_ratio
            + r["weight_months"] * months
            + r["weight_utilisation"] * used
        )
        return int(points.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def refusals(self) -> list[str]:
        """Why the customer does not qualify (codes), empty when they do."""
        r = rules()
        reasons = []
        if self.overdue:
            reasons.append("overdue")
        if self.late_recently:
            reasons.append("recent_dpd")
        if self.ever_written_off:
            reasons.append("written_off")
        if self.months_on_book < r["min_months_on_book"]:
            reasons.append("months_on_book")
        if self.payments_due < r["min_installments_due"]:
            reasons.append("too_few_payments")
        if self.on_time_ratio < r["min_on_time_ratio"]:
            reasons.append("on_time_ratio")
        if self.score() < r["min_score"]:
            reasons.append("score")
        return reasons

    def facts(self) -> dict:
        return json_safe({**asdict(self), "score": self.score()})


def months_between(start: dt.date, end: dt.date) -> int:
    """Full months from `start` to `end` (0 when end is before start): months on book."""
    delta = relativedelta(end, start)
    return max(0, delta.years * 12 + delta.months)


def _utilisations(line_ids, as_of: dt.date) -> dict[int, Decimal]:
    """Each line's utilisation: the mean principal of its statements of the last three months
    over its limit, or the principal now over the limit when it has no statement yet."""
    since = as_of - relativedelta(months=3)
    averages = dict(
        CreditLineStatement.objects.filter(credit_line_id__in=line_ids, statement_date__gte=since)
        .values("credit_line_id")
        .annotate(mean=Avg("principal_balance"))
        .values_list("credit_line_id", "mean")
    )
    result = {}
    for pk, limit, principal in CreditLine.objects.filter(pk__in=line_ids).values_list(
        "pk", "credit_limit", "principal"
    ):
        used = averages.get(pk)
        used = principal if used is None else Decimal(used)
        result[pk] = (used / limit).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return result


def repayment_histories(*, as_of: dt.date, customer_ids=None) -> dict[int, RepaymentHistory]:
    """The histories of every customer with a loan or a credit line (or of `customer_ids`), in a
    handful of grouped queries (no per-customer query)."""
    recent = as_of - relativedelta(months=rules()["recent_dpd_months"])
    loans = Loan.objects.filter(start_date__lte=as_of)
    line_qs = CreditLine.objects.filter(opened_on__lte=as_of)
    if customer_ids is not None:
        loans = loans.filter(customer_id__in=customer_ids)
        line_qs = line_qs.filter(customer_id__in=customer_ids)

    first: dict[int, dt.date] = {}
    worst: dict[int, int] = defaultdict(int)
    written_off: set[int] = set()
    due: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    late: dict[int, int] = defaultdict(int)

    for row in loans.values("customer_id").annotate(
        first=Min("start_date"),
        dpd=Max("days_past_due"),
        written_off=Count("id", filter=Q(status=LoanStatus.WRITTEN_OFF)),
    ):
        cid = row["customer_id"]
        first[cid] = row["first"]
        worst[cid] = max(worst[cid], row["dpd"] or 0)
        if row["written_off"]:
            written_off.add(cid)
    fallen_due = LoanInstallment.objects.filter(loan__in=loans.values("pk"), due_date__lt=as_of)
    # The one on-time definition (servicing.behaviour): by the due date plus the grace days.
    rule = punctuality(fallen_due, as_of=as_of)
    for row in fallen_due.values("loan__customer_id").annotate(
        due=Count("id", filter=rule.counted),
        on_time=Count("id", filter=rule.on_time),
        late=Count("id", filter=rule.late & Q(due_date__gte=recent)),
        overdue=Count("id", filter=Q(status=InstallmentStatus.OVERDUE)),
    ):
        cid = row["loan__customer_id"]
        due[cid] += row["due"]
        on_time[cid] += row["on_time"]
        late[cid] += row["late"]
        if row["overdue"]:
            worst[cid] = max(worst[cid], 1)

    # Credit lines: a statement with a minimum due is a payment due; each time the line went
    # overdue (its "overdue" event) is one paid late.
    line_rows = list(line_qs.values_list("pk", "customer_id", "opened_on", "days_past_due", "status"))
    for _pk, cid, opened_on, dpd, _status in line_rows:
        first[cid] = min(first.get(cid, opened_on), opened_on)
        worst[cid] = max(worst[cid], dpd)
    line_ids = [row[0] for row in line_rows]
    statements_due = (
        CreditLineStatement.objects.filter(credit_line_id__in=line_ids, due_date__lt=as_of, minimum_due__gt=0)
        .values("credit_line__customer_id")
        .annotate(n=Count("id"))
        .values_list("credit_line__customer_id", "n")
    )
    overdue_events = (
        CreditLineEvent.objects.filter(credit_line_id__in=line_ids, reason="overdue")
        .values("credit_line__customer_id")
        .annotate(n=Count("id"), recent=Count("id", filter=Q(created_at__date__gte=recent)))
        .values_list("credit_line__customer_id", "n", "recent")
    )
    missed: dict[int, int] = {cid: n for cid, n, _recent in overdue_events}
    for cid, _n, n_recent in overdue_events:
        late[cid] += n_recent
    for cid, n in statements_due:
        due[cid] += n
        on_time[cid] += max(0, n - missed.get(cid, 0))

    used = _utilisations(
        [pk for pk, _cid, _on, _dpd, status in line_rows if status == CreditLineStatus.ACTIVE], as_of
    )
    best_use: dict[int, Decimal] = {}
    for pk, cid, _on, _dpd, _status in line_rows:
        if pk in used:
            best_use[cid] = max(best_use.get(cid, ZERO), used[pk])

    histories = {}
    for cid, start in first.items():
        n_due = due[cid]
        ratio = ZERO
        if n_due:
            ratio = (Decimal(on_time[cid]) / Decimal(n_due)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        histories[cid] = RepaymentHistory(
            customer_id=cid,
            months_on_book=months_between(start, as_of),
            payments_due=n_due,
            paid_on_time=on_time[cid],
            on_time_ratio=ratio,
            days_past_due=worst[cid],
            late_recently=late[cid],
            ever_written_off=cid in written_off,
            utilisation=best_use.get(cid),
        )
    return histories


def customer_repayment_history(*, customer_id: int, as_of: dt.date | None = None) -> RepaymentHistory | None:
    """One customer's history (None for a customer without a loan or a line)."""
    as_of = as_of or clock.today()
    return repayment_histories(as_of=as_of, customer_ids=[customer_id]).get(customer_id)


# --- the monthly job ------------------------------------------------------------------------------
def _round_down(amount: Decimal) -> Decimal:
    step = rules()["round_to"]
    return ((amount / step).to_integral_value(rounding=ROUND_DOWN) * step).quantize(Decimal("0.01"))


def _auto_amount(proposal: LimitProposal) -> Decimal:
    """What the thresholds are compared with: the increase, or the top-up offered."""
    return proposal.increase if proposal.increase is not None else proposal.proposed_amount


def _busy(month: dt.date, today: dt.date) -> set[tuple[int, str]]:
    """(customer, kind) already served: a proposal this month, one pending or a top-up offer still
    open (a pending proposal nobody decided before it expired no longer counts)."""
    rows = LimitProposal.objects.filter(
        Q(month=month)
        | Q(status=LimitProposalStatus.PENDING, expires_on__gte=today)
        | Q(status=LimitProposalStatus.APPROVED, kind=LimitProposalKind.TOP_UP, expires_on__gte=today)
    ).values_list("customer_id", "kind")
    return set(rows)


def _line_candidates(histories, as_of) -> dict[int, CreditLine]:
    """The most used active, current line of each customer (utilisation at least the minimum)."""
    r = rules()
    found: dict[int, tuple[Decimal, CreditLine]] = {}
    candidates = CreditLine.objects.filter(
        customer_id__in=list(histories),
        status=CreditLineStatus.ACTIVE,
        days_past_due=0,
        opened_on__lte=as_of,
        credit_limit__lt=r["max_limit"],
    )
    used = _utilisations([line.pk for line in candidates], as_of)
    for line in candidates:
        share = used.get(line.pk, ZERO)
        if share < r["min_utilisation"]:
            continue
        if line.customer_id not in found or share > found[line.customer_id][0]:
            found[line.customer_id] = (share, line)
    return {cid: line for cid, (_share, line) in found.items()}


def _loan_candidates(histories) -> dict[int, tuple[int, Decimal, str]]:
    """(loan id, principal, currency) of the latest active instalment loan of each customer."""
    found: dict[int, tuple[int, Decimal, str]] = {}
    rows = (
        Loan.objects.filter(customer_id__in=list(histories), status=LoanStatus.ACTIVE)
        .order_by("id")
        .values_list("customer_id", "id", "principal", "currency")
    )
    for cid, pk, principal, currency in rows:
        found[cid] = (pk, principal, currency)  # the latest wins
    return found


def limit_proposals_run(*, month: dt.date | None = None, as_of: dt.date | None = None) -> list[LimitProposal]:
    """Propose limit increases and top-ups for `month` (default: this month) from the histories
    as of `as_of` (default: today, or the month's end for a past month). Idempotent per month:
    a second run proposes nothing new. Returns the proposals made by this run."""
    today = clock.today()
    month = month_start(month or today)
    as_of = as_of or min(today, month + relativedelta(months=1))
    r = rules()
    histories = {cid: h for cid, h in repayment_histories(as_of=as_of).items() if not h.refusals()}
    if not histories:
        return []
    busy = _busy(month, today)
    stamp = clock.now()
    expires = today + dt.timedelta(days=r["offer_days"])
    made: list[LimitProposal] = []
    for cid, line in _line_candidates(histories, as_of).items():
        if (cid, LimitProposalKind.LIMIT_INCREASE) in busy:
            continue
        new_limit = min(_round_down(line.credit_limit * (1 + r["increase_rate"])), r["max_limit"])
        if new_limit <= line.credit_limit:
            continue
        made.append(
            LimitProposal(
                customer_id=cid,
                kind=LimitProposalKind.LIMIT_INCREASE,
                month=month,
                credit_line=line,
                currency=line.currency,
                current_limit=line.credit_limit,
                proposed_amount=new_limit,
                score=histories[cid].score(),
                facts=histories[cid].facts(),
                expires_on=expires,
                created_at=stamp,
            )
        )
    for cid, (loan_id, principal, currency) in _loan_candidates(histories).items():
        if (cid, LimitProposalKind.TOP_UP) in busy:
            continue
        amount = min(_round_down(principal * r["top_up_rate"]), r["max_top_up"])
        if amount <= 0:
            continue
        made.append(
            LimitProposal(
                customer_id=cid,
                kind=LimitProposalKind.TOP_UP,
                month=month,
                loan_id=loan_id,
                currency=currency,
                proposed_amount=amount,
                score=histories[cid].score(),
                facts=histories[cid].facts(),
                expires_on=expires,
                created_at=stamp,
            )
        )
    with transaction.atomic():
        # A twin run racing this one: the unique (customer, kind, month) keeps the first.
        LimitProposal.objects.bulk_create(made, ignore_conflicts=True)
        created = list(LimitProposal.objects.filter(month=month, created_at=stamp).order_by("id"))
        LimitProposalEvent.objects.bulk_create(
            LimitProposalEvent(
                proposal=p,
                from_state="",
                to_state=p.status,
                reason="proposed",
                payload=json_safe({"proposed_amount": p.proposed_amount, "score": p.score, "as_of": as_of}),
            )
            for p in created
        )
    auto = settings.LOANHUB_LIMIT_AUTO_APPROVE_AMOUNT
    for proposal in created:
        if _auto_amount(proposal) <= auto:
            try:
                _approve(proposal.pk, actor=None, auto=True)
            except Conflict:
                pass  # left in the queue (the line changed meanwhile): an officer decides
    return [LimitProposal.objects.get(pk=p.pk) for p in created]


# --- decisions ------------------------------------------------------------------------------------
def _check_decider(actor, proposal: LimitProposal) -> None:
    if not may(actor, DECIDE):
        if may(actor, "servicing.view_limitproposal"):
            raise Forbidden(_("You may not decide limit proposals."))
        raise NotFound(_("No such limit proposal."))
    if proposal.status != LimitProposalStatus.PENDING:
        raise Conflict(
            _("This limit proposal is already %(status)s.") % {"status": proposal.get_status_display()},
            state=proposal.status,
        )


def _locked(proposal_id: int) -> LimitProposal:
    if not 0 < proposal_id < 2**63:
        raise NotFound(_("No such limit proposal."))
    try:
        return lock(proposal_id, model=LimitProposal)
    except LimitProposal.DoesNotExist:
        raise NotFound(_("No such limit proposal.")) from None


def _still_current(proposal: LimitProposal) -> None:
    """Approval only while the customer is still not overdue anywhere, and the offer is open."""
    if proposal.expires_on < clock.today():
        raise Conflict(_("This limit proposal has expired."), state="expired")
    overdue = (
        Loan.objects.filter(customer_id=proposal.customer_id, days_past_due__gt=0).exists()
        or LoanInstallment.objects.filter(
            loan__customer_id=proposal.customer_id, status=InstallmentStatus.OVERDUE
        ).exists()
        or CreditLine.objects.filter(customer_id=proposal.customer_id, days_past_due__gt=0).exists()
    )
    if overdue:
        raise Conflict(_("The customer is overdue now: the proposal cannot be approved."), state="overdue")


def _approve(proposal_id: int, *, actor, auto: bool = False) -> LimitProposal:
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if not auto:
            _check_decider(actor, proposal)
            two = _auto_amount(proposal) > settings.LOANHUB_LIMIT_SECOND_APPROVAL_AMOUNT
            if proposal.first_approved_by_id is not None and proposal.first_approved_by_id == actor.pk:
                raise Forbidden(_("A second, different officer must approve this proposal."))
            if two and proposal.first_approved_by_id is None:
                _still_current(proposal)
                proposal.first_approved_by = actor
                proposal.save(update_fields=["first_approved_by"])
                record_event(
                    proposal,
                    actor=actor,
                    reason=coded("svc.first_approval_senior"),
                    payload={"first_approval": True},
                )
                return proposal
            if two and not may(actor, SENIOR):
                raise Forbidden(_("Only a Senior Approver may give the second approval."))
        _still_current(proposal)

        def before(locked: LimitProposal):
            locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
            locked.decided_at = clock.now()
            locked.auto_approved = auto
            return {"proposed_amount": locked.proposed_amount, "auto": auto}

        proposal = run_transition(
            proposal,
            "approve",
            actor=actor,
            reason=coded("svc.approved_by_system") if auto else coded("svc.approved"),
            before=before,
            fields=("decided_by", "decided_at", "auto_approved"),
            locked=True,
        )
        if proposal.kind == LimitProposalKind.LIMIT_INCREASE:
            lines.credit_line_limit_raise(
                line=proposal.credit_line_id,
                from_limit=proposal.current_limit,
                to_limit=proposal.proposed_amount,
                actor=actor,
                reason=f"limit proposal {proposal.pk}",
            )
        _tell_customer(proposal)
    return proposal


def _tell_customer(proposal: LimitProposal) -> None:
    """A portal message to the customer, in their language, sent once the approval commits."""
    customer = proposal.customer
    if customer.user_id is None:
        return
    from customers.selectors import customer_language

    language = customer_language(customer=customer)
    amount = f"{proposal.proposed_amount:,.2f} {proposal.currency}"
    with translation.override(language):
        subject = _("Good news about your credit")
        if proposal.kind == LimitProposalKind.LIMIT_INCREASE:
            body = _(
                "Thank you for repaying on time: the limit of your credit line %(line)s is now %(amount)s."
            ) % {"line": proposal.credit_line.number, "amount": amount}
        else:
            body = _(
                "Thank you for repaying on time: a top-up loan of %(amount)s is pre-approved for you "
                "until %(date)s. See My loans."
            ) % {"amount": amount, "date": proposal.expires_on.isoformat()}
    notifications.message_send(
        user=customer.user,
        channel="portal",
        dedupe_key=f"limit-proposal-{proposal.pk}",
        subject=subject,
        body=body,
        language=language,
    )


def limit_proposal_approve(*, proposal_id: int, actor) -> LimitProposal:
    """Approve a pending proposal (servicing.change_limitproposal). Above the second-approval
    amount the first approval is recorded and a different Senior Approver completes it. An
    approved increase raises the line's limit at once. Conflict when the customer is overdue now,
    the offer expired or the line's limit changed since the proposal."""
    return _approve(proposal_id, actor=actor)


def limit_proposal_reject(*, proposal_id: int, actor, reason: str = "") -> LimitProposal:
    """Refuse a pending proposal; nothing changes for the customer."""
    with transaction.atomic():
        proposal = _locked(proposal_id)
        _check_decider(actor, proposal)

        def before(locked: LimitProposal):
            locked.decided_by = actor
            locked.decided_at = clock.now()
            return None

        return run_transition(
            proposal,
            "reject",
            actor=actor,
            reason=(reason or "").strip() or _("Rejected."),
            before=before,
            fields=("decided_by", "decided_at"),
            locked=True,
        )


# --- what the customer sees -----------------------------------------------------------------------
def limit_offers_of_user(user) -> QuerySet[LimitProposal]:
    """The user's own approved offers still open (none for a user without a customer profile)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return LimitProposal.objects.none()
    return (
        LimitProposal.objects.filter(
            customer__user=user, status=LimitProposalStatus.APPROVED, expires_on__gte=clock.today()
        )
        .select_related("credit_line", "loan__product_version__product")
        .order_by("-month", "-id")
    )


def limit_offer_apply_url(offer: LimitProposal) -> str | None:
    """Where a top-up offer's "Apply" goes: the application wizard with the loan's product and the
    amount pre-approved filled in (`/apply/new/?product=…&amount=…`); None for a limit increase
    (already applied to the line)."""
    if offer.kind != LimitProposalKind.TOP_UP or offer.loan_id is None:
        return None
    product = offer.loan.product_version.product.code
    query = urlencode({"product": product, "amount": f"{offer.proposed_amount:.2f}"})
    return f"{reverse('applications:wizard-start')}?{query}"
