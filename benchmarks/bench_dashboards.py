"""Dashboard speed: every monitoring page and API over a book of BENCH_LOANS loans (default
1,000,000) with 24 months of aggregate history, against 300 ms a page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loanhub .venv/bin/python benchmarks/bench_dashboards.py

PostgreSQL only. DATABASE_URL names the server; the benchmark works in its own database on it,
`loanhub_dashbench` (BENCH_DB), which it drops, creates and migrates each run (BENCH_REUSE=1 keeps a
seeded one and only times the pages).

Seeding (SQL, `benchmarks/bench_cob.py`'s INSERT … SELECT FROM generate_series): BENCH_LOANS loans
with their 12 installments each at business date D (8 % 1–400 days past due), spread over
BENCH_CUSTOMERS customers (default 20,000: 31 regions, three customer types, 20 industries) and
the demo catalogue's product versions (fixed and floating), disbursed over the past 360 days; the
loans' snapshots of D as close of business writes them. Then the real jobs of D, timed:
collections' case sync (`servicing.collections.cases_sync`) and the monitoring job
(`monitoring.services.run_monitoring`). History before D is generated in SQL at the cardinality
the job produced for D: BENCH_HISTORY_DAYS (default 730) daily copies of D's per-date rollup
(PortfolioTotal, balances varied by day) and of its slices (PortfolioDay) for the month ends and
the last 30 days (no page reads the slices), month-end roll rates, and per date the model
stability (score and 12 features, 10 bins), calibration by grade, discrimination, liquidity
ladder and concentration
rows; 2 % of the loans get an early warning (a quarter live, spread over the 24 months).

Timed (Django's test Client in-process, signed in as a Risk Analyst, BENCH_RUNS runs each after two
warm-ups): the portfolio dashboard, the risk monitoring page, each CSV export and the XLSX, the
early-warning queue, the collections queue, the console start page, and every GET of
/api/v1/monitoring/ and the collections case list; median and p99 and the queries per request.
Reference, same run: the naive page read — the portfolio by bucket and class summed over D's
loan snapshots (what a page without the aggregates would do).

Measured 2026-12-07 on the idle machine (nothing else running: load average 1.52 at the start,
1.38 at the end), 1,000,000 loans, 730 days of history, 15 runs each after two warm-ups. Rows:
PortfolioDay 1,382,832 (25,608 on D), EarlyWarning 20,000, DelinquencyOnset 58,451, CollectionCase
80,000. Median / p99 ms (queries), every one within 300 ms:
* portfolio dashboard 54.6 / 273.0 (10); risk monitoring page (SVG charts) 111.9 / 129.9 (25);
  CSV exports 60.1–80.2 / 75.7–98.4 (22); XLSX 93.7 / 111.3 (22); early-warning queue 52.5 / 77.7,
  open only 96.7 / 109.6 (7); signal weights 34.0 / 52.5; flagged segments 34.6 / 38.4; collections
  queue 81.1 / 92.7 (7); console start page 43.0 / 50.7 (9);
* APIs: portfolio 10.2 / 12.1, roll rates 9.9 / 13.8, vintages 15.1 / 255.2, PSI 9.5 / 10.7,
  calibration 8.7 / 11.5, concentration 9.3 / 15.9, early warnings 18.7 / 24.7 (500 open ones
  36.5 / 51.9), performance 66.9 / 73.5, collections cases 24.1 / 30.3;
* reference, same run: the book summed by bucket and class over D's 1,000,000 snapshots,
  191.3 / 225.9 ms for that one query.

Measured 2026-12-07 on the 2-core machine shared with other jobs, 1,000,000 loans, 730 days of
history, 15 runs each; the load average was 15.7–17.8 while the pages were timed (12.9 at the
end), so every figure is several times what an idle machine gives: a trivial admin page (the
eight signal weights, 7 queries) took 352 ms median in the same run. Rows: PortfolioDay 62,512
on D (3.4 M with the month ends and last 30 days), PortfolioTotal 8 a date, 20,000 early warnings,
58,451 onsets, 80,000 collection cases. Seeding 1,000,000 loans + 12 M installments 1,161 s;
customers, products and 1,000,000 snapshots 380 s; history 172 s.
* monitoring job of D (`run_monitoring`, 1,000,000 snapshots, 12 M installments): 137 s;
* median / p99 ms (queries): portfolio dashboard 310 / 545 (10; before the rollup it summed 90
  days of PortfolioDay: 854 ms at 20,000 loans and 60 days, and grows with both); risk page
  662 / 923 (25; was 43 queries, each figure read twice); each CSV export 367–497 (22); XLSX 680 /
  901; early-warning queue 520 / 685, open only 756 / 959 (7); signal weights 352 / 452; flagged
  segments 285 / 483; console start page 187 / 229 (9); collections queue 3,332 / 3,921 (7)
  before its index, 296 / 359 at load 10.8 after; APIs: portfolio 59 / 83, roll rates 68 / 77,
  vintages 76 / 111, PSI 75 / 110, calibration 58 / 68, concentration 67 / 96, early warnings 83 /
  102 (500 of them 161 / 197), performance 250 / 343, collections cases 3,217 / 4,129 before the
  index, 73 / 84 at load 10 after.
* reference, same run: the book summed by bucket and class over D's 1,000,000 snapshots (what a
  page without aggregates reads), 761 / 877 ms for that one query.
Every API is within 300 ms; the admin pages over it are so by the machine's load (compare the
signal weights page), not by their reads: each reads a bounded number of small aggregates (the
query-count test, tests/monitoring/test_dashboard_queries.py), none reads the loans.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

BENCH_DB = os.environ.get("BENCH_DB", "loanhub_dashbench")
LOANS = int(os.environ.get("BENCH_LOANS", "1000000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "20000"))
HISTORY_DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "730"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
REUSE = os.environ.get("BENCH_REUSE") == "1"
TARGET_MS = 300.0
REGIONS = [f"R{n:02d}" for n in range(31)]
INDUSTRIES = list("ABCDEFGHIJKLMNOPQRST")


def _configure() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_dashboards.py needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/ANY_DB")
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
    os.environ.setdefault("LOANHUB_ALLOWED_HOSTS", "testserver,localhost")
    os.environ["BENCH_LOANS"] = str(LOANS)
    os.environ.setdefault("BENCH_REFERENCE", str(min(10000, LOANS)))
    return urlunsplit(parts._replace(path="/postgres"))


def recreate_database(admin_url: str) -> bool:
    """Drop and create the benchmark database; with BENCH_REUSE=1 keep it when it exists.
    True when it must be seeded."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if REUSE and exists:
            url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{BENCH_DB}"))
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url},
                check=True,
            )
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        # Migrated once into a template (the migrations take minutes on a loaded machine); a run
        # copies it. A template left from older code is dropped when `migrate` has more to do.
        template = f"{BENCH_DB}_migrated"
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            conn.execute(f'CREATE DATABASE "{template}"')
        url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{template}"))
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )
        conn.execute(f'CREATE DATABASE "{BENCH_DB}" TEMPLATE "{template}"')
    return True


def _exec(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def diversify() -> None:
    """Spread bench_cob's one-customer, one-version book over customers and product versions."""
    from django.contrib.auth import get_user_model

    from customers.models import Customer
    from demo.products import seed_products
    from loanhub import roles
    from products.choices import CustomerType
    from products.models import ProductVersion
    from tests.products.factories import UserFactory

    maker = UserFactory(username="bench-pm", role=roles.PRODUCT_MANAGER)
    checker = UserFactory(username="bench-pm2", role=roles.PRODUCT_MANAGER)
    seed_products(maker=maker, checker=checker)
    versions = list(
        ProductVersion.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)
    )
    users = get_user_model()
    users.objects.bulk_create([users(username=f"bench-c{i}", password="!") for i in range(CUSTOMERS)])
    types = CustomerType.values
    Customer.objects.bulk_create(
        [
            Customer(
                user_id=user_id,
                customer_type=types[0] if i % 10 < 8 else types[1 + i % 2],
                legal_name=f"Bench {i}",
                id_number=f"1101011990{i:08d}",
                date_of_birth=dt.date(1990, 1, 1),
                phone=f"139{i:08d}",
                monthly_income=20000,
                region=REGIONS[(i * 7) % len(REGIONS)],
                industry=INDUSTRIES[(i * 3) % len(INDUSTRIES)],
            )
            for i, user_id in enumerate(
                users.objects.filter(username__startswith="bench-c")
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        ],
        batch_size=5000,
    )
    low = (
        Customer.objects.filter(legal_name__startswith="Bench ")
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
    _exec("SET session_replication_role = replica")
    _exec("SET synchronous_commit = off")
    _exec(
        f"UPDATE servicing_loan SET customer_id = %s + (id * 7919) %% %s,"
        f" product_version_id = (ARRAY{versions})[1 + (id * 31) %% {len(versions)}]",
        [low, CUSTOMERS],
    )
    _exec("SET session_replication_role = origin")


def snapshots(day: dt.date) -> int:
    """The loans' snapshots of D, as close of business writes them (overdue: the unpaid part of the
    installments past due)."""
    return _exec(
        """
        INSERT INTO servicing_loansnapshot (business_date, loan_id, days_past_due, delinquency_bucket,
            classification, ifrs9_stage, principal_outstanding, overdue_amount, provision, interest_due,
            penalty_due, ecl, non_accrual)
        SELECT %(d)s, l.id, l.days_past_due, l.delinquency_bucket, l.classification, l.ifrs9_stage,
            l.principal_outstanding,
            CASE WHEN l.days_past_due > 0 THEN COALESCE((
                SELECT SUM(i.principal + i.interest - i.paid_principal - i.paid_interest)
                FROM servicing_loaninstallment i WHERE i.loan_id = l.id AND i.due_date < %(d)s), 0)
            ELSE 0 END,
            l.sl_reserve, l.interest_due, l.penalty_due, l.ecl, l.non_accrual
        FROM servicing_loan l WHERE l.status = 'active'
        """,
        {"d": day},
    )


def history(day: dt.date) -> dict[str, int]:
    """24 months of aggregates before D, in SQL, at the cardinality of D's real rows."""
    from dateutil.relativedelta import relativedelta

    first = day - dt.timedelta(days=HISTORY_DAYS)
    made = {}
    _exec("SET synchronous_commit = off")
    # The slices (PortfolioDay) at full cardinality for the month ends and the last 30 days (the
    # pages read none of them; the job and the concentration check do), the per-date rollup
    # (PortfolioTotal, what the pages read) for every day.
    scale = "0.6 + 0.4 * (d::date - %(first)s::date) / %(n)s::numeric"
    params = {"first": first, "last": day - dt.timedelta(days=1), "d": day, "n": HISTORY_DAYS}
    made["portfolio_day"] = _exec(
        f"""
        INSERT INTO monitoring_portfolioday (business_date, product, category, customer_type, region,
            channel, industry, risk_grade, origination_month, delinquency_bucket, classification,
            ifrs9_stage, loans, balance, overdue, reserve)
        SELECT d::date, p.product, p.category, p.customer_type, p.region, p.channel, p.industry,
            p.risk_grade,
            p.origination_month, p.delinquency_bucket, p.classification, p.ifrs9_stage, p.loans,
            round(p.balance * ({scale}), 2), round(p.overdue * ({scale}), 2),
            round(p.reserve * ({scale}), 2)
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            monitoring_portfolioday p
        WHERE p.business_date = %(d)s
          AND (d::date > %(d)s::date - 31 OR extract(day from d::date + 1) = 1)
        """,
        params,
    )
    made["portfolio_total"] = _exec(
        f"""
        INSERT INTO monitoring_portfoliototal (business_date, delinquency_bucket, classification,
            ifrs9_stage, loans, balance, overdue, reserve)
        SELECT d::date, p.delinquency_bucket, p.classification, p.ifrs9_stage, p.loans,
            round(p.balance * ({scale}), 2), round(p.overdue * ({scale}), 2),
            round(p.reserve * ({scale}), 2)
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            monitoring_portfoliototal p
        WHERE p.business_date = %(d)s
        """,
        params,
    )
    # The portfolio page's rollup (PortfolioMix) for every day, as D's; its flows (PortfolioFlow)
    # are the real ones: D's job, the first, built them from the whole history of the loans.
    made["portfolio_mix"] = _exec(
        f"""
        INSERT INTO monitoring_portfoliomix (business_date, product, customer_type, channel, region,
            industry, loans, balance, overdue)
        SELECT d::date, p.product, p.customer_type, p.channel, p.region, p.industry, p.loans,
            round(p.balance * ({scale}), 2), round(p.overdue * ({scale}), 2)
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            monitoring_portfoliomix p
        WHERE p.business_date = %(d)s
        """,
        params,
    )
    month = first.replace(day=1) + relativedelta(months=1)
    buckets = [code for code, _a, _b in __import__("django.conf").conf.settings.LOANHUB_DELINQUENCY_BUCKETS]
    targets = [*buckets, "closed", "written_off"]
    rows = []
    while month <= day.replace(day=1):
        for a in buckets:
            for b in targets:
                rows.append((month, a, b, 100 + len(a) * len(b), 1000 * (1 + len(b))))
        month += relativedelta(months=1)
    from monitoring.models import RollRate

    RollRate.objects.bulk_create(
        [RollRate(month=m, from_bucket=a, to_bucket=b, loans=n, balance=v) for m, a, b, n, v in rows],
        ignore_conflicts=True,
    )
    made["roll_rate"] = len(rows)
    # The class migration and the decisions per month, at their real cardinality: 5 classes × 7
    # targets a month; 8 products × 3 outcomes × 5 grades a decision month.
    from monitoring.models import ClassificationMigration, DecisionMonth

    classes = ["pass", "special_mention", "substandard", "doubtful", "loss"]
    migrations, decided = [], []
    month = first.replace(day=1)
    while month <= day.replace(day=1):
        for n, a in enumerate(classes):
            for m, b in enumerate([*classes, "closed", "written_off"]):
                migrations.append(
                    ClassificationMigration(
                        month=month, from_class=a, to_class=b, loans=100 + n * m, balance=1000 * (1 + m)
                    )
                )
        for product in range(8):
            for outcome in ("approve", "refer", "decline"):
                for g, grade in enumerate("ABCDE"):
                    decided.append(
                        DecisionMonth(
                            month=month,
                            product=f"P{product}",
                            outcome=outcome,
                            grade=grade,
                            decisions=50 + 10 * g,
                            score_sum=(50 + 10 * g) * (700 - 30 * g),
                            through=min(month + relativedelta(months=1) - dt.timedelta(days=1), day),
                        )
                    )
        month += relativedelta(months=1)
    ClassificationMigration.objects.bulk_create(migrations, ignore_conflicts=True)
    DecisionMonth.objects.bulk_create(decided, ignore_conflicts=True)
    made["classification_migration"], made["decision_month"] = len(migrations), len(decided)
    dates = {"first": first, "last": day, "n": HISTORY_DAYS}
    bins = (
        "(SELECT json_agg(json_build_object('bin', 'b' || b, 'expected_share', '0.1000',"
        " 'actual_share', to_char(0.08 + b * 0.004, 'FM0.0000'))) FROM generate_series(0, 9) b)"
    )
    made["model_stability"] = _exec(
        f"""
        INSERT INTO monitoring_modelstability (as_of, model_version, target, window_start, decisions,
            psi, light, bins)
        SELECT d::date, 1, t, d::date - 90, 5000, round((0.02 + 0.2 * random())::numeric, 4),
            'green', CASE WHEN t = 'score' THEN {bins}::jsonb ELSE '[]'::jsonb END
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            unnest(ARRAY['score', 'f01', 'f02', 'f03', 'f04', 'f05', 'f06', 'f07', 'f08', 'f09',
                         'f10', 'f11', 'f12']) t
        ON CONFLICT DO NOTHING
        """,
        dates,
    )
    made["calibration_grade"] = _exec(
        """
        INSERT INTO monitoring_calibrationgrade (as_of, model_version, grade, predicted_pd, loans, bads,
            bad_rate, ci_low, ci_high, light)
        SELECT d::date, 1, g, 0.01 * ascii(g) - 0.64, 20000, 400, 0.0200, 0.0180, 0.0220, 'green'
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            unnest(ARRAY['A', 'B', 'C', 'D', 'E']) g
        ON CONFLICT DO NOTHING
        """,
        dates,
    )
    made["discrimination"] = _exec(
        """
        INSERT INTO monitoring_discrimination (as_of, model_version, loans, bads, auc, gini, ks)
        SELECT d::date, 1, 100000, 2000, 0.7500, 0.5000, 0.3800
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
        ON CONFLICT DO NOTHING
        """,
        dates,
    )
    made["liquidity_bucket"] = _exec(
        """
        INSERT INTO monitoring_liquiditybucket (as_of, bucket, rate_type, principal, interest,
            interest_per_rate)
        SELECT d::date, b, t, 1000000, 50000, 400000
        FROM generate_series(%(first)s::date, %(last)s::date - 1, interval '1 day') d,
            unnest(ARRAY['overdue', '0-1m', '1-3m', '3-12m', '1-5y', '5y+']) b,
            unnest(ARRAY['fixed', 'floating']) t
        ON CONFLICT DO NOTHING
        """,
        dates,
    )
    made["concentration_exposure"] = _exec(
        """
        INSERT INTO monitoring_concentrationexposure (as_of, limit_id, dimension, key, basis, severity,
            threshold, exposure, book, value, breached)
        SELECT d::date, n, 'region', 'R' || lpad(n::text, 2, '0'), 'share', 'hard', 0.1, 100, 1000,
            0.1, n = 3
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            generate_series(1, 10) n
        ON CONFLICT DO NOTHING
        """,
        dates,
    )
    # 2 % of the loans warned once over the 24 months; the last 90 days' quarter still live.
    made["early_warning"] = _exec(
        """
        INSERT INTO monitoring_earlywarning (loan_id, loan_number, raised_on, last_seen_on, score, reasons,
            status, status_changed_at, outcome, closed_on)
        SELECT l.id, l.number, r.raised, r.raised, 2 + (l.id %% 7),
            '[{"signal": "partial_payment", "weight": "2.00", "detail": "#3: 100.00 / 900.00"}]'::jsonb,
            CASE WHEN r.raised > %(d)s::date - 90 THEN 'open' ELSE 'closed' END, now(),
            CASE WHEN r.raised > %(d)s::date - 90 THEN '' ELSE 'cured' END,
            CASE WHEN r.raised > %(d)s::date - 90 THEN NULL ELSE r.raised + 30 END
        FROM servicing_loan l,
            LATERAL (SELECT %(d)s::date - ((l.id * 7919) %% %(n)s)::int AS raised) r
        WHERE l.id %% 50 = 0
        ON CONFLICT DO NOTHING
        """,
        {"d": day, "n": min(HISTORY_DAYS, 730) or 1},
    )
    for table in (
        "monitoring_portfolioday",
        "monitoring_portfoliototal",
        "monitoring_portfoliomix",
        "monitoring_portfolioflow",
        "monitoring_rollrate",
        "monitoring_classificationmigration",
        "monitoring_decisionmonth",
        "monitoring_modelstability",
        "monitoring_calibrationgrade",
        "monitoring_discrimination",
        "monitoring_liquiditybucket",
        "monitoring_concentrationexposure",
        "monitoring_earlywarning",
        "monitoring_delinquencyonset",
        "servicing_collectioncase",
        "servicing_loansnapshot",
    ):
        _exec(f"VACUUM (ANALYZE) {table}")
    return made


def cases(day: dt.date) -> int:
    """Collection cases of the delinquent loans in SQL, as the case sync opens them (BENCH_COLLECTIONS_JOB=1
    runs the real `cases_sync` instead: ~70 loans/s on a loaded machine)."""
    from django.conf import settings

    return _exec(
        """
        INSERT INTO servicing_collectioncase (loan_id, status, bucket, days_past_due, max_days_past_due,
            amount_overdue, opened_on, updated_for, write_off_proposed)
        SELECT s.loan_id, CASE WHEN s.days_past_due >= %(legal)s THEN 'legal' ELSE 'open' END,
            s.delinquency_bucket, s.days_past_due, s.days_past_due, s.overdue_amount,
            %(d)s::date - s.days_past_due + 1, %(d)s, s.days_past_due >= %(write_off)s
        FROM servicing_loansnapshot s WHERE s.business_date = %(d)s AND s.days_past_due > 0
        """,
        {
            "d": day,
            "legal": settings.LOANHUB_COLLECTIONS_LEGAL_DPD,
            "write_off": settings.LOANHUB_COLLECTIONS_WRITE_OFF_DPD,
        },
    )


def jobs(day: dt.date) -> None:
    """The date's real jobs (timed), then the history before it (replaced when run again)."""
    from monitoring.services import run_monitoring
    from servicing import collections

    started = time.perf_counter()
    if os.environ.get("BENCH_COLLECTIONS_JOB") == "1":
        synced = collections.cases_sync(business_date=day)
    else:
        _exec("DELETE FROM servicing_collectioncaseevent")
        _exec("DELETE FROM servicing_collectioncase")
        synced = {"cases (SQL)": cases(day)}
    print(f"collection cases of {day}: {time.perf_counter() - started:.1f} s {synced}", flush=True)
    for table in ("monitoring_earlywarningevent", "monitoring_earlywarning"):
        _exec(f"DELETE FROM {table}")
    started = time.perf_counter()
    result = run_monitoring(day)
    print(
        f"job: monitoring of {day} (run_monitoring): {time.perf_counter() - started:.1f} s (load {load()}) "
        f"{result}",
        flush=True,
    )
    started = time.perf_counter()
    made = history(day)
    print(f"history generated in {time.perf_counter() - started:.1f} s: {made}", flush=True)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def timed(client, url: str) -> tuple[list[float], int]:
    """Wall times of RUNS requests (after two warm-ups) and the queries of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for i in range(RUNS + 2):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= 2:
            times.append(elapsed)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries.captured_queries)


def report(label: str, times: list[float], queries: int | None, target: float | None) -> bool:
    median, worst = statistics.median(times), p99(times)
    counted = f"{queries:3d} queries" if queries is not None else " " * 11
    line = f"{label:<58} median {median:7.1f} ms   p99 {worst:7.1f} ms   {counted}"
    if target is None:
        print(f"{line}   (reference)")
        return True
    ok = median <= target
    print(f"{line}   {'ok' if ok else 'MISSED'}{'' if worst <= target else ' (p99 over)'}")
    return ok


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def pages() -> dict[str, str]:
    from monitoring.admin import risk_figures, risk_tables

    risk = "/admin/monitoring/modelstability/"
    tables = risk_tables(risk_figures())
    found = {
        "admin: portfolio dashboard": "/admin/monitoring/portfolioday/",
        "admin: portfolio mix, yield and flows (a year)": "/admin/monitoring/portfoliomix/",
        "admin: portfolio mix, one region": "/admin/monitoring/portfoliomix/?region=R01",
        "admin: portfolio XLSX export (every table)": "/admin/monitoring/portfoliomix/?export=xlsx",
        "admin: risk monitoring (SVG charts)": risk,
        **{f"admin: risk CSV export, {name}": f"{risk}?export=csv&table={name}" for name in tables},
        "admin: risk XLSX export (every table)": f"{risk}?export=xlsx",
        "admin: risk monitoring, one product's approvals": f"{risk}?product=P1",
        "admin: early-warning queue": "/admin/monitoring/earlywarning/",
        "admin: early-warning queue, open": "/admin/monitoring/earlywarning/?status__exact=open",
        "admin: signal weights": "/admin/monitoring/signalweight/",
        "admin: flagged industries and regions": "/admin/monitoring/flaggedsegment/",
        "admin: collections queue": "/admin/servicing/collectioncase/",
        "admin: console start page (warnings panel)": "/admin/",
    }
    api = "/api/v1/monitoring/"
    for name in (
        "portfolio/",
        "portfolio/mix/",
        "roll-rates/",
        "cure-rates/",
        "classification-migration/",
        "decisions/",
        "decisions/?product=P1",
        "vintages/",
        "psi/",
        "calibration/",
        "concentration/",
        "early-warnings/",
        "early-warnings/?status=open&limit=500",
        "early-warnings/performance/",
    ):
        found[f"API: {api}{name}"] = api + name
    found["API: /api/v1/collections/cases/"] = "/api/v1/collections/cases/"
    return found


def main() -> int:
    admin_url = _configure()
    fresh = recreate_database(admin_url)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client

    from loanhub import clock, roles
    from monitoring.models import DelinquencyOnset, EarlyWarning, PortfolioDay
    from servicing import selectors as servicing
    from servicing.models import CollectionCase, Loan
    from tests.products.factories import UserFactory

    day = clock.today() - dt.timedelta(days=3)
    print(
        f"LoanHub dashboard benchmark: {LOANS:,} loans, business date {day}, {HISTORY_DAYS} days of history"
    )
    print(f"{os.cpu_count()} cores, load average at start {load()}")
    if fresh or not Loan.objects.exists():
        roles.sync_roles()
        import bench_cob

        seeded = bench_cob.seed(day)
        started = time.perf_counter()
        diversify()
        made = snapshots(day)
        _exec("VACUUM (ANALYZE) servicing_loan")
        _exec("VACUUM (ANALYZE) servicing_loansnapshot")
        print(f"seeded {LOANS:,} loans in {seeded:.1f} s; customers, products, {made:,} snapshots in "
              f"{time.perf_counter() - started:.1f} s (load {load()})", flush=True)  # fmt: skip
    if os.environ.get("BENCH_SEED_ONLY") == "1":
        return 0
    if fresh or not PortfolioDay.objects.filter(business_date__lt=day).exists():
        jobs(day)
    print(
        f"rows: PortfolioDay {PortfolioDay.objects.count():,} "
        f"({PortfolioDay.objects.filter(business_date=day).count():,} on {day}), "
        f"EarlyWarning {EarlyWarning.objects.count():,}, "
        f"DelinquencyOnset {DelinquencyOnset.objects.count():,}, "
        f"CollectionCase {CollectionCase.objects.count():,}"
    )
    analyst = UserFactory(username=f"bench-analyst-{time.time_ns()}", role=roles.RISK_ANALYST)
    client = Client()
    client.force_login(analyst)
    print(f"timing {RUNS} runs each (+2 warm-up), signed in as a Risk Analyst; load average {load()}")
    print("-" * 130)
    missed = 0
    for label, url in pages().items():
        times, queries = timed(client, url)
        missed += not report(label, times, queries, TARGET_MS)
    # Reference: what a page without the aggregates reads — D's snapshots summed by bucket and class.
    naive = []
    for _ in range(max(3, RUNS // 3)):
        started = time.perf_counter()
        list(
            servicing.snapshots_on(day)
            .values("delinquency_bucket", "classification")
            .annotate(b=Sum("principal_outstanding"))
            .order_by()
        )
        naive.append((time.perf_counter() - started) * 1000)
    report(f"reference: portfolio summed over {day}'s {LOANS:,} snapshots", naive, 1, None)
    print("-" * 130)
    print(f"load average at the end {load()}; PostgreSQL {connection.pg_version}")
    print(
        f"{missed} page(s) over {TARGET_MS:.0f} ms (median)"
        if missed
        else f"every page <= {TARGET_MS:.0f} ms"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
