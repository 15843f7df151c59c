"""A portfolio history for the monitoring dashboards: N borrowers' loans originated over the last
M months, their repayments, delinquencies, cures and recoveries, and month-end snapshots and
monitoring aggregates for every month, so the portfolio, delinquency, roll-rate and vintage
dashboards have months of data on first run (`manage.py simulate_history`).

Demo code, not production code: nothing imports `demo`. It is built on the same blocks as
`demo.servicing_simulator` (loans opened with `servicing.services.loan_open`, priced as of their
start date; payments posted backdated with `servicing.repayments.repayment_post`, each
replaying its loan) and is seeded: `random.Random(seed)` draws everything, so a seed gives the
same book on a given day.

Behaviour (a Markov chain per loan, over the installments in arrears at each due date): a borrower
with k installments in arrears, at the next due date,

- k = 0: pays on time (a few days early at most), or misses it with `ROLL[0]` (6 %): of those,
  `LATE` (55 %) pay everything due 3–25 days late (a 1–30 day delinquency that cures), the rest
  stay behind (k = 1);
- k ≥ 1: rolls (misses again) with `ROLL[k]`, cures (pays everything due, penalty included,
  some days late) with `CURE[k]`, else pays just the installment (stays k behind);
- k ≥ `RECOVERY_FROM` (90+ days): pays nothing more but for a recovery, with `RECOVERY`, of a
  share of the arrears (collections' work), valued some weeks after the due date.

So most of the book is current, a few per cent roll 1–30 → 31–60 each month, fewer further, and
some cure: the roll-rate matrix looks like a consumer book's (see the README's "Demo history").
Short terms (6–12 months) end inside the window, so some loans are closed.

Servicing's close of business writes a loan snapshot per loan and date; the months before the
first closed date never had one, and the dates closed before these (backdated) loans were opened
lack theirs. For each month end of the window and each closed date since the first loan,
`month_end_snapshots` writes the snapshot the close of that date would have written for the demo
loans missing from it, from the loan replayed as of the next day with the payments valued by then
(`servicing.repayments.loan_position`; the rules' bucket, class, stage, provision and ECL; the
borrower's other loans and officers' class overrides are not looked at, the simulated loans have
neither), keeping every snapshot close of business wrote. Then `monitoring.services.run_monitoring`
runs for each of those dates, in order (portfolio rows, roll rates at month ends, vintages, the
ladder, PSI, early warnings): the dashboards read months of history, the last closed date as today.
Before that, some borrowers get other lenders' inquiries at the local bureau in the last month
(`bureau_inquiries_seed`, their own generator), so the bureau's early-warning signal has examples.

With a champion scorecard (seed_demo trains one first), each borrower applies through the real
services before the loan is opened (`demo.history_applications`): the loan's origin is then the
application, whose risk decision the periodic rescore compares the borrower with; afterwards some
borrowers lose their job and their bureau files worsen, so the rescore finds score drift. Without
a champion, the loans have no application, as before.

Idempotent: a seed's loans are its borrowers' (`hist<seed>-…`, `loans_of`; the loans without an
application have the origin `DEMO-HIST-<seed>-…`); when any of the seed's exists, nothing runs.
Another seed adds another book (seed_demo's small one is seed 1, the command's default 7).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from customers.models import Customer
from demo import history_applications
from demo.customers import demo_id_number, seed_customer
from demo.servicing_simulator import GIVEN, GRADE_PD, SURNAMES
from loanhub.money import quantize_money
from monitoring import services as monitoring
from products.quotes import product_quote
from products.selectors import product_get_offered
from servicing import cob, collateral, repayments, rules, services
from servicing.calendar import last_closed_date, open_business_date
from servicing.choices import CobStatus, LoanStatus, RepaymentChannel
from servicing.models import CobRun, Loan, LoanSnapshot
from servicing.position import Payment

ORIGIN_PREFIX = "DEMO-HIST-"  # a seed's loans are DEMO-HIST-<seed>-<index>
FIRST_CUSTOMER_INDEX = 300  # demo.applications use 1–9, demo.servicing_simulator 101–; 3 digits
MAX_CUSTOMERS = 700  # (the identity numbers' sequence has three digits)
MAX_SEED = 99  # loan numbers L8<seed:02d><index:05d>, far from L9… (the other simulator) and L0…
MONTHS, CUSTOMERS, SEED = 24, 40, 7
SEED_DEMO = (12, 12, 1)  # seed_demo's history: months, customers, seed (≈ 10 s on a first seed)

# Installments in arrears k → the chance, at the next due date, of missing it too (rolling) and
# of paying everything due (curing); the rest pay the installment only.
ROLL = {0: 0.06, 1: 0.35, 2: 0.55, 3: 0.70}
LATE = 0.55  # of the borrowers missing a due date while current, those who pay within weeks
CURE = {1: 0.45, 2: 0.25, 3: 0.10}
RECOVERY_FROM = 4  # installments in arrears from which only recoveries come
RECOVERY = 0.15  # the chance, at each further due date, of a recovery payment
RECOVERY_SHARES = ("0.20", "0.30", "0.50")
# Products (fixed-rate, monthly) with amounts and terms inside their limits.
PRODUCTS = {
    "CASH-PLUS": ((30000, 50000, 80000), (6, 12, 24)),
    "AUTO-EASY": ((60000, 120000), (24, 36)),
    "EDU-STAR": ((20000, 50000), (12, 24)),
    "BIZ-START": ((50000, 100000), (12, 24)),
    "TRAVEL-GO": ((8000, 15000), (6, 12)),
}
DEMO_ORIGINS = "DEMO-"  # the loans of both demo simulators (DEMO-SIM-…, DEMO-HIST-…)
REGIONS = ("北京", "上海", "广东", "浙江", "四川", "江苏")
ZERO = Decimal("0.00")


@dataclasses.dataclass
class Plan:
    seed: int
    index: int
    product: str
    amount: Decimal
    term: int
    start: dt.date
    grade: str

    @property
    def origin_ref(self) -> str:
        return f"{batch_prefix(self.seed)}{self.index:04d}"

    @property
    def number(self) -> str:
        return f"L8{self.seed:02d}{self.index:05d}"


def batch_prefix(seed: int) -> str:
    return f"{ORIGIN_PREFIX}{seed}-"


BORROWERS = r"^hist\d+-\d{4}$"  # the simulated borrowers' usernames, hist<seed>-<index>


def loans_of(seed: int):
    """A seed's loans: those of its borrowers (a loan from an application has its number as its
    origin, the others `DEMO-HIST-<seed>-…`)."""
    return Loan.objects.filter(customer__user__username__startswith=f"hist{seed}-")


def plan_loans(rng: random.Random, today: dt.date, *, months: int, customers: int, seed: int) -> list[Plan]:
    """One loan per customer, started on a day spread over the window (at least a month ago)."""
    first = today - relativedelta(months=months)
    span = max((today - dt.timedelta(days=30) - first).days, 1)
    plans = []
    for index in range(1, customers + 1):
        code = rng.choice(sorted(PRODUCTS))
        amounts, terms = PRODUCTS[code]
        start = first + dt.timedelta(days=rng.randrange(span))
        plans.append(
            Plan(
                seed=seed,
                index=index,
                product=code,
                amount=Decimal(rng.choice(amounts)),
                term=rng.choice(terms),
                start=start.replace(day=min(start.day, 28)),
                grade=rng.choices("ABCDE", weights=(3, 4, 4, 2, 1))[0],
            )
        )
    return sorted(plans, key=lambda plan: (plan.start, plan.index))


def _open(rng: random.Random, plan: Plan, officer, applying: random.Random | None) -> Loan:
    """The borrower, their application when `applying` (see demo.history_applications) and the
    loan, backdated to the plan's start."""
    index = FIRST_CUSTOMER_INDEX + plan.index - 1
    born = dt.date(rng.randint(1970, 1998), rng.randint(1, 12), rng.randint(1, 28))
    while Customer.objects.filter(id_number=demo_id_number(index, born)).exists():  # another seed's
        born += dt.timedelta(days=1)
    customer = seed_customer(
        index,
        f"hist{plan.seed}-{plan.index:04d}",
        rng.choice(SURNAMES) + rng.choice(GIVEN),
        born,
        str(rng.choice((12000, 18000, 25000, 35000))),
        password=None,
    )
    customer.region = rng.choice(REGIONS)
    customer.save(update_fields=["region"])
    application = None
    if applying is not None:
        application = history_applications.application_apply(
            applying,
            customer=customer,
            product=plan.product,
            amount=plan.amount,
            term=plan.term,
            officer=officer,
        )
    # The grade and PD risk decided on, when the loan came from an application.
    grade = application.risk_grade if application else plan.grade
    pd = application.decision.pd if application else Decimal(GRADE_PD[plan.grade])
    quote = product_quote(
        version=product_get_offered(code=plan.product),
        amount=plan.amount,
        term=plan.term,
        risk_grade=grade,
        start_date=plan.start,
        pinned=True,
    )
    loan = services.loan_open(
        origin_ref=str(application) if application else plan.origin_ref,
        number=plan.number,
        customer_id=customer.pk,
        product_version=quote.version,
        terms=quote.engine_terms,
        disbursed_on=plan.start,
        actor=officer,
        risk_grade=grade,
        pd=pd,
    )
    if application is not None:
        history_applications.application_disbursed(application, loan=loan, officer=officer)
    return loan


def _behave(rng: random.Random, loan: Loan, today: dt.date, officer) -> None:
    """Walk the loan's due dates up to today, posting the borrower's payments as they fall."""
    rows = list(loan.installments.order_by("number").values_list("due_date", "payment"))
    behind = 0
    for due, payment in rows:
        if due > today:
            break
        if behind >= RECOVERY_FROM:
            if rng.random() < RECOVERY:
                day = due + dt.timedelta(days=rng.randint(5, 25))
                arrears = repayments.loan_position(loan, as_of=min(day, today)).due_today()
                share = Decimal(rng.choice(RECOVERY_SHARES))
                _pay(loan, min(day, today), quantize_money(arrears * share), officer, RepaymentChannel.BRANCH)
            behind += 1
            continue
        draw = rng.random()
        if draw < ROLL[min(behind, 3)]:
            if behind == 0 and rng.random() < LATE:  # late, not lost: pays it all within weeks
                day = min(due + dt.timedelta(days=rng.randint(3, 25)), today)
                _pay(
                    loan,
                    day,
                    repayments.loan_position(loan, as_of=day).due_today(),
                    loan.customer.user,
                    RepaymentChannel.PORTAL,
                )
            else:
                behind += 1
        elif behind and draw < ROLL[min(behind, 3)] + CURE[min(behind, 3)]:
            day = min(due + dt.timedelta(days=rng.randint(3, 20)), today)
            owed = repayments.loan_position(loan, as_of=day).due_today()
            _pay(loan, day, owed, loan.customer.user, RepaymentChannel.PORTAL)
            behind = 0
        else:
            day = max(due - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))), loan.start_date)
            _pay(loan, day, payment, loan.customer.user, RepaymentChannel.PORTAL)
        loan.refresh_from_db(fields=["status"])
        if loan.status != LoanStatus.ACTIVE:
            break


def _pay(loan: Loan, day: dt.date, amount: Decimal, actor, channel: str) -> None:
    loan.refresh_from_db(fields=["status"])
    if amount <= 0 or loan.status != LoanStatus.ACTIVE:
        return
    repayments.repayment_post(
        loan=loan, amount=amount, actor=actor, value_date=day, reference=loan.number, channel=channel
    )


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month end from `first`'s month to `last` (inclusive)."""
    out = []
    day = first.replace(day=1) + relativedelta(months=1) - dt.timedelta(days=1)
    while day <= last:
        out.append(day)
        day = day.replace(day=1) + relativedelta(months=2) - dt.timedelta(days=1)
    return out


def month_end_snapshots(day: dt.date) -> int:
    """Write the snapshot close of business would have written on `day` for each demo loan on the
    book then (disbursed by then, not closed by then) that has none; existing snapshots are kept.
    Only the demo simulators' loans (`DEMO-…`, and this one's borrowers' from an application)
    whose schedule never changed: a replay with today's
    schedule is their history, while a restructured or deferred loan's is not. The rows written."""
    demo = Q(origin_ref__startswith=DEMO_ORIGINS) | Q(customer__user__username__regex=BORROWERS)
    loans = (
        Loan.objects.filter(demo, start_date__lte=day)
        .exclude(status=LoanStatus.CLOSED, closed_on__lte=day)
        .exclude(schedule_changes__isnull=False)
    )
    loans = loans.exclude(snapshots__business_date=day).prefetch_related("installments")
    snapshots = []
    for loan in loans:
        payments = [
            Payment(id=pk, value_date=value_date, amount=amount)
            for pk, value_date, amount in loan.repayments.filter(status="posted", value_date__lte=day)
            .values_list("pk", "value_date", "amount")
            .order_by("value_date", "pk")
        ]
        position = repayments.loan_position(loan, as_of=day + dt.timedelta(days=1), payments=payments)
        dpd = position.days_past_due
        klass = repayments.class_floor(position)
        stage = rules.ifrs9_stage(dpd, klass)
        principal = position.outstanding("principal")
        ead = principal + position.outstanding("interest")
        snapshots.append(
            LoanSnapshot(
                business_date=day,
                loan_id=loan.pk,
                days_past_due=dpd,
                delinquency_bucket=rules.bucket_for(dpd),
                classification=klass,
                ifrs9_stage=stage,
                principal_outstanding=principal,
                overdue_amount=sum((i.total_outstanding for i in position.overdue_rows()), ZERO),
                provision=rules.provision(klass, principal),
                interest_due=position.outstanding("interest"),
                penalty_due=position.outstanding("penalty"),
                ecl=rules.ecl(
                    stage=stage,
                    pd=loan.pd,
                    ead=ead,
                    remaining_days=max((loan.maturity_date - day).days, 0),
                    lgd=collateral.loan_lgd(loan_id=loan.pk, ead=max(ead, ZERO)),
                ),
                non_accrual=rules.non_accrual(dpd),
            )
        )
    LoanSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True, batch_size=1000)
    return len(snapshots)


@dataclasses.dataclass
class Result:
    loans: list[Loan]
    month_ends: list[dt.date]
    snapshots: int
    closed_days: list[dt.date] = dataclasses.field(default_factory=list)  # other dates filled


# Applications elsewhere (多头借贷) at the local bureau: a borrower has one to three other lenders'
# inquiries in the last month with this chance (early warning's new_application_elsewhere). Drawn
# from their own generator (seed + offset), so the book of a seed is the same as before.
INQUIRY_SHARE = 0.08
INQUIRY_SEED_OFFSET = 1_000_003
LENDERS = ("城市商业银行", "消费金融公司", "互联网小贷", "农村信用社")


def bureau_inquiries_seed(rng: random.Random, loans: list[Loan], closed: dt.date | None) -> int:
    """Other lenders' inquiries of some borrowers in the month before the last closed date."""
    from risk import inquiries

    if closed is None:
        return 0
    written = 0
    for loan in sorted(loans, key=lambda each: each.pk):
        if rng.random() >= INQUIRY_SHARE:
            continue
        for _ in range(rng.randint(1, 3)):
            inquiries.bureau_inquiry_record(
                id_number=loan.customer.id_number,
                inquired_on=closed - dt.timedelta(days=rng.randint(0, 30)),
                institution=rng.choice(LENDERS),
            )
            written += 1
    return written


def simulate_history(
    *, officer, months: int = MONTHS, customers: int = CUSTOMERS, seed: int = SEED
) -> Result:
    """Open the loans, play their repayments to servicing's today, write the missing snapshots
    and run the monitoring jobs; an empty result when the history exists already."""
    if not 0 <= seed <= MAX_SEED or not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"seed 0–{MAX_SEED} and 1–{MAX_CUSTOMERS} customers, not {seed} and {customers}")
    if loans_of(seed).exists():
        return Result([], [], 0)
    if last_closed_date() is None:
        # Close of business has never run: close yesterday, so the history has a closed date
        # (the dashboards' today) and payments are valued against an open business date.
        yesterday = open_business_date() - dt.timedelta(days=1)
        cob.close_through(yesterday, start=yesterday, inline=True)
    today = open_business_date()
    rng = random.Random(seed)
    # The applications, with a champion to score them: their own generator (the book stays the same).
    applying = None
    if history_applications.has_champion():
        applying = random.Random(seed + history_applications.APPLICATION_SEED_OFFSET)
    loans = []
    for plan in plan_loans(rng, today, months=months, customers=customers, seed=seed):
        loan = _open(rng, plan, officer, applying)
        _behave(rng, loan, today, officer)
        loans.append(loan)
    bureau_inquiries_seed(random.Random(seed + INQUIRY_SEED_OFFSET), loans, last_closed_date())
    history_applications.borrowers_worsen(
        random.Random(seed + history_applications.BUREAU_SEED_OFFSET), loans
    )
    first = min(loan.start_date for loan in loans)
    ends = _month_ends(first, last_closed_date())
    # The dates closed by close of business before these loans were opened lack their rows.
    closed = list(
        CobRun.objects.filter(status=CobStatus.DONE, business_date__gte=first)
        .exclude(business_date__in=ends)
        .order_by("business_date")
        .values_list("business_date", flat=True)
    )
    snapshots = 0
    for day in sorted([*ends, *closed]):
        snapshots += month_end_snapshots(day)
        monitoring.run_monitoring(day)
    return Result([Loan.objects.get(pk=loan.pk) for loan in loans], ends, snapshots, closed)
