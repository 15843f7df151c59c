"""The periodic rescore of the borrowers on the book (early warning's `score_drift`).

`loans_rescore(as_of=…)` takes every loan on the book on a closed business date (its snapshot)
whose application has a risk decision and scores, with the active scorecard (the champion):

- the baseline: the feature record the loan was decided on, as stored with its decision;
- now: the same record brought up to date — the bureau's current file (credit history, open
  credits, other instalment plans, monthly debt), the age at `as_of` (from the date of birth, or
  the age at application plus the whole years since), the profile's employment type and years
  employed (as the customer or an officer keeps them) and the latest re-verified income.

Both with the same model, so a fall is a change in the borrower and never a change of model. The
rows (`LoanRescore`, one per loan and date) are written in chunks, scored as a pandas frame
(`risk.batch`); a date run again writes only the loans it did not have, so the beat task may be
delivered twice. Early warning signals `score_drift` when the latest rescore in its window shows a
fall of at least `LOANHUB_EARLY_WARNING_SCORE_DROP` points or `LOANHUB_EARLY_WARNING_GRADE_DROP`
grades.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from applications import selectors as applications
from customers import selectors as customers
from monitoring.models import LoanRescore
from risk import batch
from risk import selectors as risk
from risk.bureau import get_bureau
from risk.mapping import FEATURES
from servicing import selectors as servicing

CHUNK = 1000


def _age_on(day: dt.date, born: dt.date | None, age_then: int, decided: dt.date) -> int:
    if born is not None:
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    years = day.year - decided.year - ((day.month, day.day) < (decided.month, decided.day))
    return int(age_then) + max(years, 0)


def current_features(
    features: dict, *, customer: dict, decided: dt.date, as_of: dt.date, bureau, income
) -> dict:
    """The application's feature record brought up to `as_of` (see the module)."""
    now = dict(features)
    now["age"] = min(_age_on(as_of, customer["date_of_birth"], features["age"], decided), 120)
    if customer["employment_type"] in FEATURES["employment_type"].choices:
        now["employment_type"] = customer["employment_type"]
        now["employment_years"] = str(min(customer["years_employed"], 60))
    if income is not None:
        now["monthly_income"] = str(income)
    now.update({key: str(v) if isinstance(v, Decimal) else v for key, v in bureau.as_features().items()})
    return now


def _chunk(rows: list[tuple[int, str, int]], as_of: dt.date, card, model_version: int) -> list[LoanRescore]:
    decision_of = applications.decision_ids_by_origin(origin_refs=[origin for _, origin, _ in rows])
    facts = risk.decision_facts(decision_ids=decision_of.values())
    people = customers.customer_rescore_facts(customer_ids={customer for _, _, customer in rows})
    incomes = customers.income_verifications_latest(customer_ids=list(people), since=dt.date.min, until=as_of)
    bureau = get_bureau()
    reports: dict[int, object] = {}
    keys, before, after = [], [], []
    for loan_id, origin, customer_id in rows:
        decision = facts.get(decision_of.get(origin))
        person = people.get(customer_id)
        if decision is None or person is None:
            continue
        if customer_id not in reports:
            reports[customer_id] = bureau.fetch(id_number=person["id_number"])
        income = incomes.get(customer_id, (None, None, None))[1]
        keys.append(loan_id)
        before.append(decision["features"])
        after.append(
            current_features(
                decision["features"],
                customer=person,
                decided=decision["created_at"].date(),
                as_of=as_of,
                bureau=reports[customer_id],
                income=income,
            )
        )
    if not keys:
        return []
    then = batch.score_frame(card, batch.features_frame(before))
    now = batch.score_frame(card, batch.features_frame(after))
    return [
        LoanRescore(
            loan_id=loan_id,
            as_of=as_of,
            model_version=model_version,
            baseline_score=int(then["score"].iat[i]),
            baseline_grade=str(then["grade"].iat[i]),
            score=int(now["score"].iat[i]),
            grade=str(now["grade"].iat[i]),
        )
        for i, loan_id in enumerate(keys)
    ]


def _outcome(as_of: dt.date | None, *, on_book: int = 0, already: int = 0, rescored: int = 0) -> dict:
    return {
        "as_of": as_of,
        "rescored": rescored,
        "on_book": on_book,
        "already": already,
        "skipped": on_book - already - rescored,
    }


def loans_rescore(*, as_of: dt.date | None = None) -> dict:
    """Rescore the loans on the book on `as_of` (default: the last closed business date) that
    have no rescore of that date yet; idempotent. Returns {"as_of", "rescored", "on_book",
    "already", "skipped"}: of the loans on the book (snapshots of the date), those rescored now,
    those rescored for the date before, and those skipped because they have nothing to compare
    with: no application with a risk decision (a loan opened without one, such as the demo
    simulators' `DEMO-…` loans) or no customer record."""
    as_of = as_of or servicing.last_closed_business_date()
    if as_of is None:
        return _outcome(None)
    book = servicing.snapshots_on(as_of)
    on_book = book.count()
    done = LoanRescore.objects.filter(as_of=as_of).values("loan_id")
    rows = list(
        book.exclude(loan_id__in=done)
        .order_by("loan_id")
        .values_list("loan_id", "loan__origin_ref", "loan__customer_id")
    )
    already = on_book - len(rows)
    if not rows:
        return _outcome(as_of, on_book=on_book, already=already)
    model = risk.champion_get()
    card = risk.scorecard_load(model)
    written = 0
    for start in range(0, len(rows), CHUNK):
        new = _chunk(rows[start : start + CHUNK], as_of, card, model.version)
        # ignore_conflicts: a twin delivery of the task that wrote the same rows meanwhile.
        LoanRescore.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
        written += len(new)
    return _outcome(as_of, on_book=on_book, already=already, rescored=written)


def outcome_text(result: dict) -> str:
    """The command's and seed_demo's line: what was rescored, and why the others were not."""
    return (
        f"{result['as_of']}: {result['rescored']} loans rescored ({result['on_book']} on the book: "
        f"{result['already']} rescored for the date before, {result['skipped']} skipped without a "
        "scored application)"
    )
