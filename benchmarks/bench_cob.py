"""Close-of-business speed: one business date over BENCH_LOANS active loans (default 1,000,000).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loanhub .venv/bin/python benchmarks/bench_cob.py

PostgreSQL only. DATABASE_URL names the server; the benchmark drops, creates and migrates its own
database on it, BENCH_DB (default `loanhub_cobbench`; one per person on a shared server). With
BENCH_KEEP_SEED=1 the seeded database is kept (`<BENCH_DB>_seed_<loans>_<reference>_<day>`) and the
next run of the same sizes on the same day starts from a copy of it instead of seeding again.

Seeding (SQL, triggers off): BENCH_LOANS loans, 12 monthly installments each. 92 % perform:
disbursed over the past 360 days, every installment due before the business date D paid on its
due date (so due dates fall on every day of the month); 8 % are 1–400 days past due (more of them
near 1 than near 400): their oldest unpaid installment is due D − DPD and every later one is
unpaid too, overdue rows carrying the penalty basis of their days overdue (compound, at 1.5 × the
contract rate). Each loan's stored position is the one a replay as of D gives (position_date D,
dues, DPD, bucket, class, stage, non-accrual, the running accrual period, next due, ECL and the
sub-ledger totals); the reference loans also get their repayment rows, and a sample of them is
replayed before the run to prove the seed consistent. No loan holds credit and none follows its
borrower's class, so every loan is closed set-based. Then VACUUM ANALYZE.

Measured: one close of D in this process (`servicing.cob.close_through`, LOANHUB_COB_CHUNK_SIZE
loans a chunk): time and loans/s (plan, chunks, counts), median and p99 chunk; with a broker
(CELERY_BROKER_URL; its database BENCH_BROKER_DB, default 14) and BENCH_WORKERS=N > 0, the next
date on N `celery -A loanhub worker -Q monitoring -c 1` started for it; the reference, same run:
the per-loan ORM loop (`servicing.cob.perloan.close_loan`, a replay) closing the next date for
BENCH_REFERENCE (default 10,000) loans, 1,000 a transaction; median and p99 per loan. The monitoring
job after the close is timed too (`run_monitoring`; BENCH_MONITOR=0 leaves it out).

Measured on the shared 2-core machine (load averages given). 2026-12-06, 50,000 loans (load 5–7):
2,755 loans/s first; JIT off + ANALYZE when planned: 6,184; fillfactor 45/90: 7,031; ref. 45/s.
2026-12-07, 100,000 loans, chunks of 50,000, quiet loans no longer rewritten; the second date on
copies of one seeded database, old code and new one after the other, load 11–20. One chunk by
EXPLAIN (ANALYZE, BUFFERS, WAL), 49,151 loans, load 11.5: 8.6 s; 84 % quiet, 8,077 loans (83 %
HOT) and 18,077 installments (16,635 overdue) rewritten; finding the installments 1.9 s (128 MB
shared_buffers: 335 MB read), their UPDATE 1.2 s, loan side 2.9 s, quiet loans 0.6 s, snapshots
1.9 s. Plan: a full ANALYZE of the loans was 6.4–9.2 s of a 22–33 s run, five columns on 3,000
rows now 0.1 s (plan 0.6 s). Whole date old → new: 3,043 / 3,804 → 4,896 / 4,068 loans/s, the
chunks alike (19.5–23.6 s vs 19.7–23.8 s). Snapshot INSERT of a third date: 4.8 s with the loan
index, 2.3 s without (migration 0022); ON CONFLICT ~10 %, kept. Loan indexes: not a lever (HOT);
synchronous_commit off: below the noise; chunks of 25k/50k/100k: 34.3/29.2/28.0 s. Workers not
measured. Whole bench, first date (load 15–17): 5,587 loans/s (plan 0.43 s); reference 4/s: 1,290x.
Target missed ~20x at this load; left: a snapshot row per loan a day, the overdue installments'
daily penalty-basis rewrite (~35 % of a chunk), shared_buffers (README).
2026-12-07 (later), 100,000 loans, chunks of 50,000: overdue installments anchored (penalty basis
stored as of `penalty_from` with its daily amount, derived when read; migration 0025), so an
unchanged overdue loan's installments are read but not written, and read once (three disjoint
index scans instead of ids re-fetched by key). Seed 76 s, seed check 0 of 200 changed. Second
date, installment writes 36,812 (30,969 HOT) → 5,843. Chunk 1 (49,151 loans) alone, rolled back,
old and new statements alternated ABBA on one database, load 14.6–15.2: old 7.10 / 5.21 / 6.21 /
6.77 s, new 5.30 / 4.20 / 4.58 / 4.39 s (median 6.5 → 4.5 s, −31 %). EXPLAIN (ANALYZE, BUFFERS) of
the new chunk, load 12.3: 3.9 s; installments found and read 1.2 s (1.95 s before: the ids
re-fetched), their UPDATE 0.55 s (2,872 rows), loan side 1.4 s (8,077 loans), quiet loans 0.45 s,
snapshots 0.94 s; the chunk's loans are read three times by key (~0.3 s each). Whole second date
on copies, old / new / new / old, load 13–14: 13.5 / 13.2 / 14.8 / 19.6 s (the machine's noise is
larger than the gain there). Whole bench, first date (load 9–10, tests of this branch running beside it):
seed 31 s, close 4.60 s (plan 0.30 s, chunks 2.14 / 2.44 s): 21,748 loans/s; monitoring job 5.7 s;
reference 7 loans/s (200 loans): 2,951x. Target still missed ~5x at this load; left: the loan side (one
rewrite of every overdue loan a day: DPD and penalty change), the snapshot row per loan a day,
the chunk's loans read once instead of three times.
2026-12-07 (evening), 1,000,000 loans, idle machine (load 1.3), at d898cc0 (run counts from one
grouped scan), seeded database copied (BENCH_KEEP_SEED=1), seed check 0 of 200 changed: close of
D in-process 28.00 s (plan 0.40 s; chunks median 1.295 s, p99 1.962 s): 35,719 loans/s; the
monitoring job 57.8 s; D + 1 on 2 workers 30.19 s: 33,122 loans/s (no gain over one process: the
chunks probably contend for disk, WAL and 128 MB of shared_buffers; not profiled); reference 84 loans/s (200
loans, median 11.7 ms): 424x. EXPLAIN (ANALYZE, BUFFERS) of one steady-state chunk (D + 1, 49,990
loans, load 6): 0.91 s, of which installments found and read 0.27 s, their UPDATE 0.16 s, the
loan side 0.49 s (8,206 loans), quiet loans 0.12 s, snapshots 0.25 s. Target missed ~3x.
2026-12-07 (night), 1,000,000 loans. Why two workers gained nothing: sampling pg_stat_activity
during their run showed one chunk's statement at a time and the other worker waiting on a
transactionid lock in `SELECT … servicing_cobchunk … FOR UPDATE`: `select_for_update()` with
`select_related("run")` locked the run's row too, so every chunk waited for the running one. Now
`of=("self",)` (test: a chunk closes while another chunk of its run is open on a worker). Then on
the Debian defaults (shared_buffers 128 MB, wal_buffers 4 MB) a chunk's loan update wrote 21,384
dirty pages itself and reread installments from the OS cache; on a second cluster with
benchmarks/postgresql/loanhub-bench.conf (`make bench-postgres`, port 5433: shared_buffers 6 GB,
wal_buffers 64 MB, max_wal_size 16 GB) and without the snapshots' ON CONFLICT (a chunk's statement
1.04 -> 0.90 s, five of each alternated): idle machine (load 2.0 at the start, nothing else
running), seeded database copied: close of D in-process 22.36 s (plan 0.47 s; chunks median
1.071 s, p99 1.450 s): 44,730 loans/s; D + 1 on 2 workers 14.16 s: 70,618 loans/s (the chunks
finish in pairs every 1.1-1.3 s, ~85,000 loans/s while both run; the rest is the plan, the first
pair's cold start and the run's close); reference 81 loans/s (200 loans, median 11.9 ms): 551x.
With a helper's tests running beside it the same two-worker close took 15.3-53 s (the two cores
are all there is). Target missed ~1.4x; left: the statement (~1.0 s a chunk of 50,000 while two
run: the overdue loans' daily rewrite, the snapshot row per loan, the chunk's loans read three
times), and ~2 s a date of planning, first chunk and close.
2026-12-08, 1,000,000 loans, an idle machine ~1.7x slower than the last (reference 35-49 loans/s
against 81), the tuned cluster. Fresh seed: in-process 46.96 s (plan 1.03 s, chunks median 2.159 s),
2 workers 26.00 s. One chunk (49,142 loans, 9,449 rewritten) at D + 2, statement alone, rolled
back, variants alternated: 1.66-1.73 s; without the snapshot INSERT 1.28 s (the INSERT ~0.38 s,
a quarter; without the id primary key's index below the noise, so not changed); without the
next-due laterals 1.56 s; without the per-loan collateral subqueries 1.63 s; without the
installments' index on the loan alone (the unique (loan, number) index serves every lookup and
the next-due lateral reads it in order) 1.57 s; work_mem 64 MB no change; the chunk's loans read
once into a MATERIALIZED CTE: 1.80 s (slower; joined to the installments, its estimate made the
installments' UPDATE scan the whole table: 6 s). Two chunks side by side: 1.84 / 1.92 s each.
Workers' timeline (chunk done_at): the first pair at 3.5 s, then a pair every 2.1-2.4 s. Changed:
collateral summed once per chunk (a CTE, not three subqueries per loan), the installments' loan
index dropped (migration 0030), chunks planned from an index-only count of active loans per
bucket of ids (greedy, whole buckets: 19 chunks of ~53,000 instead of 20 of 50,000), each chunk
keeps its groups of (bucket, class, stage) and the run folds them (no scan of the date at the
end), this process polls the workers' run every 0.2 s instead of 0.05 s. Same seeded copy, old
code then new: in-process 42.41 -> 41.98 s (plan 0.96 -> 0.44 s; chunks median 1.983 -> 2.070 s,
cold pages after the copy): 23,581 -> 23,821 loans/s; 2 workers 27.62 -> 24.92 s: 36,212 -> 40,130
loans/s; reference 43 / 35 loans/s. Chunk statement alone, old / new: 1.69 / 1.55 s. New code
again, idle: in-process 44.75 s (plan 0.48 s), 2 workers 25.72 s: 38,885 loans/s (with a
reviewer's commands running beside it, once: 53.1 / 63.2 s). Target missed ~2.5x on this machine.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "loanhub_cobbench")
LOANS = int(os.environ.get("BENCH_LOANS", "1000000"))
REFERENCE = min(int(os.environ.get("BENCH_REFERENCE", "10000")), LOANS)
WORKERS = int(os.environ.get("BENCH_WORKERS", "0"))
# Keep the seeded database (`<BENCH_DB>_seed_<loans>_<day>`) and start from a copy of it next time.
KEEP_SEED = os.environ.get("BENCH_KEEP_SEED", "") == "1"
MONITOR = os.environ.get("BENCH_MONITOR", "1") != "0"  # BENCH_MONITOR=0: no monitoring job timed
TARGET = 100_000.0
BATCH = 100_000
LATE_PERMILLE = 80


def _configure() -> tuple[str, str | None]:
    """Point this process (and the workers) at the benchmark database and broker database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench_cob.py needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/ANY_DB "
            "(close of business is set-based only there; SQLite replays each loan)"
        )
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    os.environ.setdefault("LOANHUB_COB_CHUNK_SIZE", "50000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
    broker = os.environ.get("CELERY_BROKER_URL", "").strip() or None
    if broker:
        b = urlsplit(broker)
        broker = urlunsplit(b._replace(path=f"/{os.environ.get('BENCH_BROKER_DB', '14')}"))
        os.environ["CELERY_BROKER_URL"] = broker
    return urlunsplit(parts._replace(path="/postgres")), broker


def _seeded_name(day: dt.date) -> str:
    # The reference loans get their repayment rows at seeding: their number is part of the seed.
    return f"{BENCH_DB}_seed_{LOANS}_{REFERENCE}_{day:%Y%m%d}"


def recreate_database(admin_url: str, day: dt.date) -> bool:
    """A new benchmark database: with BENCH_KEEP_SEED=1, a copy of the one seeded earlier for the
    same number of loans and day when there is one (returns True: no seeding)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if KEEP_SEED:
            seeded = _seeded_name(day)
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [seeded]).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DB}" TEMPLATE "{seeded}"')
                return True
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return False


def keep_seed(admin_url: str, day: dt.date) -> None:
    """Keep a copy of the freshly seeded database for the next run (BENCH_KEEP_SEED=1)."""
    import psycopg
    from django.db import connections

    connections.close_all()
    seeded = _seeded_name(day)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{seeded}"')
        conn.execute(f'CREATE DATABASE "{seeded}" TEMPLATE "{BENCH_DB}"')


def _template_values(model, template, varying: dict[str, str]) -> tuple[list[str], list[str], list]:
    """Columns and SQL expressions of an INSERT … SELECT: `varying` by attname, the rest the
    template instance's values as parameters (so every column gets its model default)."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in varying:
            values.append(varying[field.attname])
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    return columns, values, params


def _rows_sql() -> str:
    """Per loan g: its terms (p) and its 12 installments as they stand at the start of D (r)."""
    return """
p AS (
    SELECT g,
        (5000 + ((g * 7919) %% 296) * 1000)::numeric AS amount,
        (0.0360 + (g %% 13) * 0.0100)::numeric AS rate,
        (0.005 + (g %% 5) * 0.01)::numeric AS pd,
        ((g * 104729) %% 1000) < %(late)s AS late,
        1 + floor(400 * power(((g * 48271) %% 10007) / 10007.0, 2))::int AS dpd_target,
        (1 + (g * 31) %% 12)::int AS first_unpaid,
        ((g * 37) %% 360)::int AS age
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g
),
q AS (
    SELECT p.*, round(amount / 12, 2) AS part, rate * 1.5 AS penalty_rate,
        CASE WHEN late THEN %(d)s::date - dpd_target ELSE %(d)s::date - age END AS anchor,
        CASE WHEN late THEN first_unpaid ELSE 0 END AS anchor_k
    FROM p
),
r AS (
    SELECT q.g, k, q.late, q.penalty_rate, q.anchor_k,
        (q.anchor + (k - q.anchor_k) * interval '1 month')::date AS due,
        CASE WHEN k = 12 THEN q.amount - 11 * q.part ELSE q.part END AS principal,
        round((q.amount - (k - 1) * q.part) * q.rate / 12, 2) AS interest,
        q.amount - LEAST(k * q.part, q.amount) AS balance
    FROM q CROSS JOIN generate_series(1, 12) k
),
rs AS (
    SELECT r.*, CASE WHEN r.late THEN r.k < r.anchor_k ELSE r.due < %(d)s::date END AS paid
    FROM r
),
i AS (
    SELECT rs.*, NOT paid AND due < %(d)s::date AS overdue,
        CASE WHEN NOT paid AND due < %(d)s::date
             THEN (principal + interest) * penalty_rate * (%(d)s::date - due) ELSE 0 END AS basis
    FROM rs
)"""


def _loan_sql() -> str:
    """The loans' columns at the start of D, aggregated from their installments (i)."""
    from django.conf import settings

    from servicing import rules
    from servicing.choices import CLASS_RANK, Classification
    from servicing.cob.setbased import _bucket_case

    floors = " ".join(f"WHEN dpd > {days} THEN {CLASS_RANK[k]}" for days, k in rules.CLASS_FLOORS)
    sm, sub = CLASS_RANK[Classification.SPECIAL_MENTION], CLASS_RANK[Classification.SUBSTANDARD]
    klass = " ".join(f"WHEN {rank} THEN '{k}'" for k, rank in CLASS_RANK.items())
    rate = " ".join(f"WHEN {CLASS_RANK[k]} THEN {rules.provision_rate(k)}" for k in Classification.values)
    lgd = settings.LOANHUB_IFRS9_LGD
    return f"""
a AS (
    SELECT g,
        SUM(principal) FILTER (WHERE paid) AS paid_p, SUM(interest) FILTER (WHERE paid) AS paid_i,
        SUM(interest) FILTER (WHERE NOT paid AND due <= %(d)s::date) AS interest_due,
        SUM(round(basis / 365, 2)) AS penalty_due,
        MIN(due) FILTER (WHERE overdue) AS oldest,
        MIN(due) FILTER (WHERE NOT paid AND due >= %(d)s::date) AS next_due,
        (array_agg(principal + interest ORDER BY k) FILTER (WHERE NOT paid AND due >= %(d)s::date))[1]
            AS next_amount,
        MAX(due) FILTER (WHERE due <= %(d)s::date) AS last_due,
        MIN(due) FILTER (WHERE due > %(d)s::date) AS acc_end,
        (array_agg(interest ORDER BY k) FILTER (WHERE due > %(d)s::date))[1] AS acc_interest,
        SUM(interest) FILTER (WHERE due <= %(d)s::date) AS earned_closed,
        SUM(interest) AS total_interest,
        MIN(due) AS first_due, MAX(due) AS maturity,
        BOOL_OR(NOT paid AND due <= %(d)s::date) AS pending
    FROM i GROUP BY g
),
b AS (
    SELECT q.g, q.amount, q.rate, q.pd, q.penalty_rate,
        (q.anchor - q.anchor_k * interval '1 month')::date AS start_date,
        a.first_due, a.maturity, a.total_interest, a.next_due, COALESCE(a.next_amount, 0) AS next_amount,
        q.amount - COALESCE(a.paid_p, 0) AS po, COALESCE(a.paid_p, 0) AS paid_p,
        COALESCE(a.paid_i, 0) AS paid_i, COALESCE(a.interest_due, 0) AS interest_due,
        a.penalty_due, a.oldest IS NOT NULL AS overdue,
        COALESCE(%(d)s::date - a.oldest, 0) AS dpd,
        GREATEST(a.last_due, (q.anchor - q.anchor_k * interval '1 month')::date) AS acc_start,
        a.acc_end, COALESCE(a.acc_interest, 0) AS acc_interest, COALESCE(a.earned_closed, 0) AS earned_closed,
        a.pending
    FROM q JOIN a USING (g)
),
c AS (
    SELECT b.*,
        CASE {floors} WHEN overdue OR dpd > 0 THEN {sm} ELSE 0 END AS klass,
        earned_closed + CASE WHEN acc_end IS NULL THEN 0
            ELSE round(acc_interest * (%(d)s::date - acc_start) / (acc_end - acc_start), 2) END AS earned
    FROM b
),
s AS (
    SELECT c.*,
        CASE WHEN dpd > 90 OR klass >= {sub} THEN 3 WHEN dpd > 30 OR klass = {sm} THEN 2 ELSE 1 END
            AS stage,
        dpd >= {int(settings.LOANHUB_NON_ACCRUAL_DPD)} AS non_accrual,
        GREATEST(maturity - %(d)s::date, 0) AS remaining
    FROM c
),
l AS (
    SELECT s.*, CASE klass {klass} END AS klass_code, {_bucket_case("dpd")} AS bucket,
        round(po * (CASE klass {rate} END), 2) AS reserve,
        CASE WHEN dpd = 0 AND klass = 0 AND stage = 1 AND NOT non_accrual AND NOT pending
                  AND acc_end - 1 >= %(d)s::date
             THEN acc_end - 1 END AS quiet_until,
        round((po + interest_due) * CASE stage WHEN 3 THEN 1
            WHEN 2 THEN 1 - power(1 - pd, GREATEST(remaining::numeric / 365, 1)) ELSE pd END
            * {lgd}, 2) AS ecl
    FROM s
)"""


def seed(business_date: dt.date) -> float:
    """Fill the benchmark database (see the module); returns the seconds it took."""
    from django.db import connection

    from servicing.models import Loan, LoanInstallment
    from tests.servicing.factories import CustomerFactory, active_version

    started = time.perf_counter()
    customer = CustomerFactory()
    version = active_version()
    template = Loan(
        number="x", origin_ref="x", customer=customer, product_version=version, principal=1,
        annual_rate=0, term=12, frequency="monthly", method="equal_principal", day_count="30/360",
        start_date=business_date, first_due_date=business_date, maturity_date=business_date, apr=0,
        effective_annual_rate=0, total_interest=0, total_fees=0, total_payable=0, net_proceeds=1,
    )  # fmt: skip
    loan_varying = {
        "id": "g",
        "number": "'B' || lpad(g::text, 9, '0')",
        "origin_ref": "'BENCH' || g",
        "principal": "amount",
        "annual_rate": "rate",
        "apr": "rate",
        "effective_annual_rate": "rate",
        "start_date": "start_date",
        "first_due_date": "first_due",
        "maturity_date": "maturity",
        "total_interest": "total_interest",
        "total_payable": "amount + total_interest",
        "net_proceeds": "amount",
        "risk_grade": "(ARRAY['A','B','C','D','E'])[1 + g %% 5]",
        "pd": "pd",
        "penalty_rate": "penalty_rate",
        "position_date": "%(d)s::date",
        "days_past_due": "dpd",
        "delinquency_bucket": "bucket",
        "classification": "klass_code",
        "ifrs9_stage": "stage",
        "non_accrual": "non_accrual",
        "principal_outstanding": "po",
        "interest_due": "interest_due",
        "penalty_due": "penalty_due",
        "next_due_date": "next_due",
        "next_due_amount": "next_amount",
        "ecl": "ecl",
        "accrual_start": "acc_start",
        "accrual_end": "acc_end",
        "accrual_interest": "acc_interest",
        "quiet_until": "quiet_until",
        "sl_cash": "paid_p + paid_i",
        "sl_interest_earned": "earned",
        "sl_penalty_earned": "penalty_due",
        "sl_paid_principal": "paid_p",
        "sl_paid_interest": "paid_i",
        "sl_suspense_interest": "CASE WHEN non_accrual THEN GREATEST(earned - paid_i, 0) ELSE 0 END",
        "sl_suspense_penalty": "CASE WHEN non_accrual THEN penalty_due ELSE 0 END",
        "sl_reserve": "reserve",
    }
    inst_varying = {
        "id": "(g - 1) * 12 + k",
        "loan_id": "g",
        "number": "k",
        "due_date": "due",
        "payment": "principal + interest",
        "principal": "principal",
        "interest": "interest",
        "balance": "balance",
        "paid_principal": "CASE WHEN paid THEN principal ELSE 0 END",
        "paid_interest": "CASE WHEN paid THEN interest ELSE 0 END",
        "penalty_basis": "basis",
        # anchored as of D (`LoanInstallment.penalty_from`): compound, so the base is the row's total
        "penalty_from": "CASE WHEN overdue THEN %(d)s::date END",
        "penalty_daily": "CASE WHEN overdue THEN (principal + interest) * penalty_rate ELSE 0 END",
        "penalty_charged": "overdue",
        "status": "CASE WHEN paid THEN 'paid' WHEN due < %(d)s::date THEN 'overdue' "
        "WHEN due = %(d)s::date THEN 'due' ELSE 'pending' END",
        "paid_on": "CASE WHEN paid THEN due END",
    }
    inst = LoanInstallment(
        number=1, due_date=business_date, payment=0, principal=0, interest=0, fees=0, balance=0
    )
    l_cols, l_vals, l_params = _template_values(Loan, template, loan_varying)
    i_cols, i_vals, i_params = _template_values(LoanInstallment, inst, inst_varying)
    # Parameters by name: the template's values become named ones too.
    l_named = {f"l{n}": v for n, v in enumerate(l_params)}
    i_named = {f"i{n}": v for n, v in enumerate(i_params)}
    l_vals = _name_params(l_vals, "l")
    i_vals = _name_params(i_vals, "i")
    sql = (
        f"WITH {_rows_sql()}, {_loan_sql()},\n"
        f"ins AS (INSERT INTO {LoanInstallment._meta.db_table} ({', '.join(i_cols)}) "
        f"SELECT {', '.join(i_vals)} FROM i)\n"
        f"INSERT INTO {Loan._meta.db_table} ({', '.join(l_cols)}) SELECT {', '.join(l_vals)} FROM l"
    )
    with connection.cursor() as cursor:
        # Rows consistent by construction: no foreign-key trigger per row; the commit can wait.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET jit = off")  # compiling this statement's expressions takes longer than running it
        for lo in range(1, LOANS + 1, BATCH):
            hi = min(lo + BATCH - 1, LOANS)
            cursor.execute(
                sql, {"d": business_date, "lo": lo, "hi": hi, "late": LATE_PERMILLE, **l_named, **i_named}
            )
            print(f"  seeded {hi:,} loans, {time.perf_counter() - started:.1f} s", flush=True)
        step = LOANS // REFERENCE
        cursor.execute(
            "INSERT INTO servicing_repayment (loan_id, amount, value_date, reference, channel, "
            " external_id, status, fees, penalty, interest, principal, overpayment, allocation_lines,"
            " posted_at, reversal_reason) "
            "SELECT loan_id, payment, due_date, '', 'transfer', '', 'posted', 0, 0, interest, principal, 0,"
            " json_build_array(json_build_array(number, 'interest', interest::text),"
            "                  json_build_array(number, 'principal', principal::text)), now(), ''"
            " FROM servicing_loaninstallment WHERE status = 'paid' AND loan_id %% %s = 0 ORDER BY id",
            [step],
        )
        cursor.execute("SET session_replication_role = origin")
        for table in ("servicing_loan", "servicing_loaninstallment"):
            cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")
        seeded = time.perf_counter() - started
        print(f"  seeded in {seeded:.1f} s; VACUUM ANALYZE …", flush=True)
        cursor.execute("VACUUM (ANALYZE) servicing_loan")
        cursor.execute("VACUUM (ANALYZE) servicing_loaninstallment")
        cursor.execute("VACUUM (ANALYZE) servicing_repayment")
    return seeded


def _name_params(values: list[str], prefix: str) -> list[str]:
    out, n = [], 0
    for value in values:
        if value == "%s":
            value = f"%({prefix}{n})s"
            n += 1
        out.append(value)
    return out


def verify_seed(business_date: dt.date, sample: int = 200) -> tuple[int, int, str]:
    """Replay `sample` reference loans as of D (rolled back): how many the replay would change,
    how many repayments' allocations it would rewrite, and the first difference seen."""
    from django.db import transaction

    from servicing import subledger
    from servicing.choices import EntryKind
    from servicing.models import Loan, LoanInstallment, Repayment
    from servicing.repayments import loan_refresh

    fields = (
        "status position_date days_past_due delinquency_bucket classification ifrs9_stage non_accrual "
        "principal_outstanding interest_due penalty_due fees_due credit_balance next_due_date "
        "next_due_amount ecl accrual_start accrual_end accrual_interest"
    ).split() + [f"sl_{flow}" for flow in subledger.FLOWS]
    inst_fields = (
        "paid_principal paid_interest paid_fees paid_penalty penalty_basis penalty_from penalty_daily "
        "grace_basis penalty_charged status paid_on"
    ).split()
    step = (LOANS // REFERENCE) * max(REFERENCE // sample, 1)
    ids = list(range(step, LOANS + 1, step))[:sample]

    def state(pk: int) -> tuple:
        return (
            Loan.objects.filter(pk=pk).values_list(*fields).get(),
            list(LoanInstallment.objects.filter(loan_id=pk).order_by("number").values_list(*inst_fields)),
        )

    changed, first = 0, ""
    with transaction.atomic():
        allocations = dict(Repayment.objects.filter(loan_id__in=ids).values_list("pk", "allocation_lines"))
        for pk in ids:
            before = state(pk)
            loan = Loan.objects.select_for_update().get(pk=pk)
            loan_refresh(loan, kind=EntryKind.ACCRUAL, locked=True, as_of=business_date, provision=True)
            after = state(pk)
            if after != before:
                changed += 1
                if not first:
                    diff = [(f, b, a) for f, b, a in zip(fields, before[0], after[0], strict=True) if a != b]
                    first = f"loan {pk}: {diff or 'installments'}"
        rewritten = sum(
            allocations[pk] != lines
            for pk, lines in Repayment.objects.filter(loan_id__in=ids).values_list("pk", "allocation_lines")
        )
        transaction.set_rollback(True)
    return changed, rewritten, first


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def close_in_process(day: dt.date) -> dict:
    """`close_through`'s in-process path for one date, timed by step and by chunk."""
    from marketing.rewards.services import points_after_cob
    from monitoring.services import cob_finished
    from servicing import hooks
    from servicing.cob.runs import finish_run, run_chunk, start_run
    from servicing.collections import cob_finished as collections_after_cob

    hooks.unregister_cob_finished_hook(cob_finished)  # timed apart (`monitor`), not in the close
    hooks.unregister_cob_finished_hook(collections_after_cob)  # collections are not the close either
    # nor the reward points of the loans due that day (without a broker the task runs in the close's
    # commit: minutes for 100,000 loans, which the figures took for the close until 2026-12-07)
    hooks.unregister_cob_finished_hook(points_after_cob)
    began = time.perf_counter()
    run = start_run(day, day, dispatch=False)
    planned = time.perf_counter()
    chunks = []
    for chunk_id in run.chunks.filter(done=False).order_by("number").values_list("pk", flat=True):
        started = time.perf_counter()
        run_chunk(chunk_id, chain=False)
        chunks.append(time.perf_counter() - started)
    closing = time.perf_counter()
    finish_run(run.pk, chain=False)
    ended = time.perf_counter()
    run.refresh_from_db()
    return {
        "run": run,
        "seconds": ended - began,
        "plan": planned - began,
        "chunks": chunks,
        "finish": ended - closing,
    }


def monitor(day: dt.date) -> float:
    """Seconds of the monitoring job beat runs after a close (the aggregates over the snapshots)."""
    from monitoring.services import run_monitoring

    began = time.perf_counter()
    run_monitoring(day)
    return time.perf_counter() - began


def close_on_workers(day: dt.date, broker: str) -> dict:
    """Close `day` on WORKERS celery worker processes started (and stopped) here."""
    from loanhub.celery import app
    from servicing import cob

    env = {**os.environ, "CELERY_BROKER_URL": broker}
    logs = ROOT / "var"
    logs.mkdir(exist_ok=True)
    procs = []
    for n in range(WORKERS):
        log = open(logs / f"bench_cob_worker{n}.log", "w")  # noqa: SIM115  (closed with the process)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "loanhub", "worker", "-Q", "monitoring", "-c", "1",
                 "-n", f"cobbench{n}@%h", "--without-gossip", "--without-mingle", "-l", "warning"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5) or []) < WORKERS:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"workers did not start (see {logs}/bench_cob_worker*.log)")
        began = time.perf_counter()
        # Polled every 0.2 s: at every 0.05 s this process's own queries took a share of the two
        # cores from the workers it timed (at most 0.2 s is added to the figure).
        runs = cob.close_through(day, inline=False, wait=True, poll=0.2)
        seconds = time.perf_counter() - began
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:  # a warm shutdown waits for the chunk it runs; never hide the error that got here
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {"run": runs[-1], "seconds": seconds}


def reference() -> dict:
    """The per-loan ORM loop on REFERENCE loans: each closes its next date by replay."""
    from django.db import transaction

    from servicing.cob import perloan
    from servicing.models import Loan

    step = LOANS // REFERENCE
    ids = list(range(step, LOANS + 1, step))[:REFERENCE]
    times = []
    began = time.perf_counter()
    for low in range(0, len(ids), 1000):
        with transaction.atomic():
            loans = list(Loan.objects.select_for_update().filter(pk__in=ids[low : low + 1000]).order_by("pk"))
            for loan in loans:
                started = time.perf_counter()
                assert perloan.close_loan(loan, loan.position_date)
                times.append(time.perf_counter() - started)
    return {"seconds": time.perf_counter() - began, "times": times}


def facts() -> str:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        shown = {}
        for name in ("server_version", "shared_buffers", "work_mem", "max_wal_size", "synchronous_commit"):
            cursor.execute(f"SHOW {name}")
            shown[name] = cursor.fetchone()[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores (load average {load}); PostgreSQL {shown['server_version']} "
        f"(shared_buffers {shown['shared_buffers']}, work_mem {shown['work_mem']}, max_wal_size "
        f"{shown['max_wal_size']}, synchronous_commit {shown['synchronous_commit']}); chunk size "
        f"{settings.LOANHUB_COB_CHUNK_SIZE:,} loans; Python {sys.version.split()[0]}"
    )


def line(label: str, value: str, note: str = "") -> None:
    print(f"{label:<66} {value:>22}   {note}")


def main() -> int:
    admin_url, broker = _configure()
    import django

    django.setup()
    from django.core.management import call_command

    from loanhub import clock
    from servicing.choices import CobStatus

    day = clock.today() - dt.timedelta(days=3)
    copied = recreate_database(admin_url, day)
    print(f"LoanHub close-of-business benchmark: {LOANS:,} loans, business date {day}")
    print(facts())
    call_command("migrate", verbosity=0)
    if copied:
        seeded = 0.0
        print(f"(seeded database copied from {_seeded_name(day)}: BENCH_KEEP_SEED=1)")
    else:
        seeded = seed(day)
        if KEEP_SEED:
            keep_seed(admin_url, day)
    changed, rewritten, first = verify_seed(day)
    print(
        f"seed check: 200 loans replayed as of {day}: {changed} would change, "
        f"{rewritten} repayment allocations would be rewritten" + (f" ({first})" if first else "")
    )
    print("-" * 120)
    line(f"seeding {LOANS:,} loans + {12 * LOANS:,} installments (SQL)", f"{seeded:.1f} s")
    result = close_in_process(day)
    run = result["run"]
    assert run.status == CobStatus.DONE, run.error
    assert run.loans == LOANS, run.loans
    rate = LOANS / result["seconds"]
    chunks = result["chunks"]
    line(
        f"close of business {day}, in-process, {len(chunks)} chunks",
        f"{result['seconds']:.2f} s",
        f"plan {result['plan']:.2f} s, chunks {sum(chunks):.2f} s, counts {result['finish']:.2f} s",
    )
    line(
        "  chunk, median / p99",
        f"{statistics.median(chunks):.3f} / {p99(chunks):.3f} s",
        f"{LOANS / len(chunks) / statistics.median(chunks):,.0f} loans/s in a chunk",
    )
    verdict = "OK" if rate >= TARGET else "MISSED"
    line("  throughput, in-process", f"{rate:,.0f} loans/s", f"target >= {TARGET:,.0f} loans/s  {verdict}")
    if MONITOR:
        monitored = monitor(day)
        line(f"monitoring job after the close of {day} (run_monitoring)", f"{monitored:.2f} s")
    if broker and WORKERS > 0:
        on_workers = close_on_workers(day + dt.timedelta(days=1), broker)
        worker_rate = on_workers["run"].loans / on_workers["seconds"]
        line(
            f"close of business {day + dt.timedelta(days=1)}, {WORKERS} worker(s)",
            f"{on_workers['seconds']:.2f} s",
            f"{on_workers['run'].chunks_total} chunks on the monitoring queue",
        )
        verdict = "OK" if worker_rate >= TARGET else "MISSED"
        line(
            f"  throughput, {WORKERS} worker(s)",
            f"{worker_rate:,.0f} loans/s",
            f"target >= {TARGET:,.0f} loans/s  {verdict}",
        )
        best = max(rate, worker_rate)
    else:
        best = rate
        print("(no worker run: set CELERY_BROKER_URL and BENCH_WORKERS=N to close a date on N workers)")
    ref = reference()
    ref_rate = len(ref["times"]) / ref["seconds"]
    ms = [t * 1000 for t in ref["times"]]
    line(
        f"reference: per-loan ORM loop (replay), {len(ms):,} loans, next date",
        f"{ref_rate:,.0f} loans/s",
        f"per loan median {statistics.median(ms):.2f} ms, p99 {p99(ms):.2f} ms",
    )
    line("set-based in-process / per-loan loop", f"{rate / ref_rate:,.0f} x")
    print("-" * 120)
    return 0 if best >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
