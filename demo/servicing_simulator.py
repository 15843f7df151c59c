"""A servicing history for the demo: a few dozen loans opened in the past and months of borrowers'
behaviour, so the console shows loans in every delinquency bucket and every class on first run.

`simulate()` draws the loans and the borrowers' habits from a seeded `random.Random` (the same
book on every run of a given day), then replays the months in date order: each loan is opened
on its start date (`servicing.services.loan_open`, the terms quoted by its product as of then),
and each payment is posted on its value date (`servicing.repayments.repayment_post`), some
reversed as bounced debits, the last days' transfers arriving as a bank statement
(`servicing.statements.import_statement`, with two lines left in the suspense queue). Time moves
through one function, `advance_to(day)`, called before anything happens on `day`: the last
`COB_DAYS` are closed one by one by close of business (`servicing.cob`), as the nightly job
would have, so the console has runs and daily snapshots; the months before are played as
backdated payments, each replaying its loan (the same result, much faster on SQLite).

Habits: most borrowers pay on time (some a few days early), some pay late and catch up with the
penalty, some pay only part of each installment, a few finished their loans (closed), one had a
direct debit bounce, and the rest stopped paying at a point chosen so that today they are past
due by a number of days in each bucket and class band (1–30, 31–60, 61–90, 91–180, and beyond
180 each of substandard, doubtful and loss): the book covers every bucket and class whatever the
date.

Idempotent: the loans are keyed by `origin_ref` (`DEMO-SIM-…`); when any exists, nothing runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from demo.customers import seed_customer
from loanhub.money import quantize_money
from products.quotes import product_quote
from products.selectors import product_get_offered
from servicing import cob, repayments, services, statements
from servicing.calendar import last_closed_date, open_business_date
from servicing.choices import LoanStatus, RepaymentChannel
from servicing.models import Loan, Repayment

SEED = 20260513
ORIGIN_PREFIX = "DEMO-SIM-"
FIRST_CUSTOMER_INDEX = 101  # demo.applications' customers use 1–9
NUMBER_BASE = 90_000_000  # loan numbers L90000001…: far from the applications' L{pk:08d}
STATEMENT_DAYS = 10  # transfers valued in the last days arrive as a bank statement
COB_DAYS = 14  # the last weeks are closed day by day (close of business), the rest replayed

# (days past due today: first, last) → how many borrowers stopped paying into that band. The bands
# sit inside the default buckets and the 2023 classification floors with a few days to spare
# (a due date on the 29th–31st moves to the 28th, adding up to three days).
STOPPED = (
    ((8, 25), 1),  # 1–30, special mention
    ((36, 55), 1),  # 31–60, special mention
    ((66, 85), 1),  # 61–90, special mention
    ((100, 170), 1),  # 91–180, substandard
    ((195, 260), 1),  # 180+, substandard
    ((285, 350), 1),  # 180+, doubtful
    ((380, 480), 1),  # 180+, loss
)
HABITS = (("on_time", 8), ("late", 4), ("partial", 2), ("finished", 3), ("bounced", 1))

# Products (fixed-rate, monthly) with amounts and terms inside their limits.
PRODUCTS = {
    "CASH-PLUS": ((30000, 50000, 80000, 120000), (12, 24)),
    "AUTO-EASY": ((60000, 120000, 200000), (24, 36)),
    "EDU-STAR": ((20000, 50000), (12, 24)),
    "BIZ-START": ((50000, 100000, 200000), (12, 24)),
    "TRAVEL-GO": ((8000, 15000, 30000), (6, 12)),
}
SHORT = {"TRAVEL-GO": (3, 6), "CASH-PLUS": (6,)}  # the finished loans' products and terms
# Illustrative probabilities of default by grade for the demo loans' expected credit loss.
GRADE_PD = {"A": "0.010", "B": "0.020", "C": "0.040", "D": "0.080", "E": "0.150"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "军",
    "强",
    "丽",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "桂英",
)


@dataclasses.dataclass
class Plan:
    """One simulated loan and its borrower's habit."""

    index: int
    habit: str
    product: str
    amount: Decimal
    term: int
    start: dt.date
    grade: str
    paid_before_stop: int = 0  # "stopped": installments paid before stopping
    share: Decimal = Decimal(1)  # "partial": the part of each installment paid
    loan: Loan | None = None

    @property
    def origin_ref(self) -> str:
        return f"{ORIGIN_PREFIX}{self.index:03d}"

    @property
    def number(self) -> str:
        return f"L{NUMBER_BASE + self.index:08d}"


@dataclasses.dataclass(order=True)
class Event:
    day: dt.date
    seq: int
    kind: str = dataclasses.field(compare=False)  # open, pay, pay_due, bounce, reverse
    plan: Plan = dataclasses.field(compare=False)
    amount: Decimal | None = dataclasses.field(default=None, compare=False)


def _day_of_month_at_most_28(day: dt.date) -> dt.date:
    return day.replace(day=min(day.day, 28))


def plan_loans(rng: random.Random, today: dt.date) -> list[Plan]:
    """Which loans to open and how their borrowers behave (dates relative to `today`)."""
    plans: list[Plan] = []

    def add(habit: str, start: dt.date, *, product=None, term=None, **extra) -> Plan:
        code = product or rng.choice(sorted(PRODUCTS))
        amounts, terms = PRODUCTS[code]
        plan = Plan(
            index=len(plans) + 1,
            habit=habit,
            product=code,
            amount=Decimal(rng.choice(amounts)),
            term=term or rng.choice(terms),
            start=_day_of_month_at_most_28(start),
            grade=rng.choices("ABCDE", weights=(3, 4, 4, 2, 1))[0],
            **extra,
        )
        plans.append(plan)
        return plan

    for (first, last), count in STOPPED:
        for _ in range(count):
            missed = _day_of_month_at_most_28(today - dt.timedelta(days=rng.randint(first, last)))
            paid = rng.randint(0, 3)
            code = rng.choice(sorted(set(PRODUCTS) - {"TRAVEL-GO"}))
            terms = [t for t in PRODUCTS[code][1] if t >= paid + 2]
            add(
                "stopped",
                missed - relativedelta(months=paid + 1),
                product=code,
                term=rng.choice(terms),
                paid_before_stop=paid,
            )
    for habit, count in HABITS:
        for _ in range(count):
            if habit == "finished":
                code = rng.choice(sorted(SHORT))
                term = rng.choice(SHORT[code])
                start = today - relativedelta(months=term) - dt.timedelta(days=rng.randint(10, 150))
                add(habit, start, product=code, term=term)
            elif habit == "partial":
                start = today - dt.timedelta(days=rng.randint(150, 300))
                add(
                    habit,
                    start,
                    share=Decimal(rng.choice(("0.50", "0.60", "0.70"))),
                    term=24,
                    product="CASH-PLUS",
                )
            else:
                elapsed = rng.randint(40, 300)
                code = rng.choice(sorted(set(PRODUCTS) - {"TRAVEL-GO"}))
                running = [t for t in PRODUCTS[code][1] if t * 30 > elapsed + 45] or [max(PRODUCTS[code][1])]
                add(habit, today - dt.timedelta(days=elapsed), product=code, term=rng.choice(running))
    return plans


def _borrower(rng: random.Random, plan: Plan):
    index = FIRST_CUSTOMER_INDEX + plan.index - 1
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    born = dt.date(rng.randint(1970, 1998), rng.randint(1, 12), rng.randint(1, 28))
    income = str(rng.choice((12000, 18000, 25000, 35000)))
    return seed_customer(index, f"sim-{plan.index:03d}", name, born, income, password=None)


def _open(rng: random.Random, plan: Plan, officer) -> Loan:
    customer = _borrower(rng, plan)
    quote = product_quote(
        version=product_get_offered(code=plan.product),
        amount=plan.amount,
        term=plan.term,
        risk_grade=plan.grade,
        start_date=plan.start,
        pinned=True,  # priced as of its start date, before the catalogue's current availability
    )
    return services.loan_open(
        origin_ref=plan.origin_ref,
        number=plan.number,
        customer_id=customer.pk,
        product_version=quote.version,
        terms=quote.engine_terms,
        disbursed_on=plan.start,
        actor=officer,
        risk_grade=plan.grade,
        pd=Decimal(GRADE_PD[plan.grade]),
    )


def _payments(rng: random.Random, plan: Plan, today: dt.date) -> list[tuple[dt.date, str, Decimal | None]]:
    """The borrower's payments as (value date, kind, amount); kind "pay" is a fixed amount,
    "pay_due" everything due that day (penalty included), "bounce" a payment reversed 3 days later."""
    rows = list(plan.loan.installments.order_by("number").values_list("due_date", "payment"))
    early = plan.start + dt.timedelta(days=1)
    out: list[tuple[dt.date, str, Decimal | None]] = []
    for number, (due, payment) in enumerate(rows, start=1):
        if plan.habit in ("on_time", "finished", "bounced"):
            day = max(due - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))), early)
            bounce = plan.habit == "bounced" and number == 2
            out.append((day, "bounce" if bounce else "pay", payment))
            if bounce:
                out.append((due + dt.timedelta(days=8), "pay_due", None))
        elif plan.habit == "late":
            out.append((due + dt.timedelta(days=rng.randint(3, 25)), "pay_due", None))
        elif plan.habit == "partial":
            out.append(
                (due + dt.timedelta(days=rng.randint(0, 4)), "pay", quantize_money(payment * plan.share))
            )
        elif number <= plan.paid_before_stop:  # stopped: on time until then
            out.append((due - dt.timedelta(days=rng.choice((0, 1, 2))), "pay", payment))
        else:
            if rng.random() < 0.5:  # a promise to pay kept in part, once: the arrears stay
                out.append((due + dt.timedelta(days=rng.randint(5, 20)), "pay", quantize_money(payment / 5)))
            break
    return [p for p in out if p[0] <= today]


def advance_to(day: dt.date) -> None:
    """Move servicing's time to `day` by close of business: every business date before it is
    closed (`servicing.cob.close_through`), so `day` is the open date. Days before the open date
    (the history played before close of business takes over) need nothing."""
    if day <= open_business_date():
        return
    cob.close_through(day - dt.timedelta(days=1), inline=True)  # seeding needs no worker


def _statement_csv(rows: list[tuple[dt.date, Decimal, str, str, str]]) -> bytes:
    lines = ["交易日期,金额,附言,对方户名,流水号"]
    lines += [
        f"{day:%Y-%m-%d},{amount},{reference},{payer},{txn}" for day, amount, reference, payer, txn in rows
    ]
    return ("\n".join(lines) + "\n").encode("gb18030")


def simulate(*, officer, seed: int = SEED) -> list[Loan]:
    """Open the simulated loans and play their history up to servicing's today; returns them
    (an empty list when they exist already)."""
    if Loan.objects.filter(origin_ref__startswith=ORIGIN_PREFIX).exists():
        return []
    today = open_business_date()
    if last_closed_date() is None:
        # Close of business takes over COB_DAYS before today: the history before that is played
        # as backdated payments (each replays its loan), the last weeks day by day.
        cutover = today - dt.timedelta(days=COB_DAYS)
        cob.close_through(cutover - dt.timedelta(days=1), start=cutover - dt.timedelta(days=1), inline=True)
    rng = random.Random(seed)
    plans = plan_loans(rng, today)
    queue = [Event(plan.start, i, "open", plan) for i, plan in enumerate(plans)]
    heapq.heapify(queue)
    seq = len(queue)
    statement_from = today - dt.timedelta(days=STATEMENT_DAYS)
    statement: list[tuple[dt.date, Decimal, str, str, str]] = []
    bounced: dict[int, Repayment] = {}
    current = None
    while queue:
        event = heapq.heappop(queue)
        plan = event.plan
        if event.day > today:  # a reversal due after today
            continue
        if event.day != current:
            advance_to(event.day)
            current = event.day
        if event.kind == "open":
            plan.loan = _open(rng, plan, officer)
            for day, kind, amount in _payments(rng, plan, today):
                heapq.heappush(queue, Event(day, seq, kind, plan, amount))
                seq += 1
            continue
        plan.loan.refresh_from_db(fields=["status"])
        if plan.loan.status != LoanStatus.ACTIVE:
            continue
        if event.kind == "reverse":
            repayments.repayment_reverse(
                repayment=bounced.pop(plan.index),
                reason="直接扣款退回：余额不足",
                actor=officer,
            )
            continue
        amount = event.amount
        if event.kind == "pay_due":
            amount = repayments.loan_position(plan.loan, as_of=event.day).due_today()
            if amount <= 0:
                continue
        if plan.habit in ("on_time", "finished") and event.day > statement_from:
            payer = plan.loan.customer.legal_name
            statement.append(
                (event.day, amount, f"还款 {plan.number}", payer, f"SIM{event.day:%Y%m%d}{event.seq:04d}")
            )
            continue
        customer_pays = plan.habit in ("on_time", "finished", "bounced", "stopped")
        repayment = repayments.repayment_post(
            loan=plan.loan,
            amount=amount,
            actor=plan.loan.customer.user if customer_pays else officer,
            value_date=event.day,
            reference=plan.number,
            channel=RepaymentChannel.PORTAL if customer_pays else RepaymentChannel.BRANCH,
        )
        if event.kind == "bounce":
            bounced[plan.index] = repayment
            heapq.heappush(queue, Event(event.day + dt.timedelta(days=3), seq, "reverse", plan))
            seq += 1
    if current != today:
        advance_to(today)
    closed = [p for p in plans if p.habit == "finished"]
    statement.append(
        (today - dt.timedelta(days=2), Decimal("1500.00"), "还款 合同尾号8817", "王伟", "SIM-UNKNOWN-1")
    )
    if closed:
        statement.append(
            (
                today - dt.timedelta(days=1),
                Decimal("300.00"),
                f"{closed[0].number} 多还",
                "陈静",
                "SIM-CLOSED-1",
            )
        )
    statements.import_statement(
        data=_statement_csv(statement), file_name="demo-bank-statement.csv", actor=officer
    )
    return [Loan.objects.get(pk=plan.loan.pk) for plan in plans]
