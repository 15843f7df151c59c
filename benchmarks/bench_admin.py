"""Officer console speed: the applications changelist over 1,000,000 applications in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loanhub_bench .venv/bin/python benchmarks/bench_admin.py

The database named by DATABASE_URL (default `loanhub_bench` on the local server) is created if
missing, migrated, and filled once with 1,000,000 applications spread over 10,000 customers and
every state (INSERT … SELECT generate_series; later runs reuse the rows). The script then times
the changelist as a Loan Officer sees it — the default queue, a state filter, an age filter, a
search by number, page 2,000 reached by key (`?after=<id>`, as its "next" link carries it) and
back (`?before=<id>`), a deep page of a filter, the last page, the deepest page by number
(`?p=50`), the oldest in a state first (the one sort besides the key and the state) — and
prints median and p99 of each against the 100 ms target (the median must meet it; a p99 over it
is flagged: on a shared machine it follows the other jobs' load), with the time spent in SQL.
Reference, measured in the same run: Django's stock changelist (OFFSET pages, full COUNT(*)), on
page 2,000 and on the first page.

Measured 2026-12-05, 15 runs, on the 2-core machine shared with other jobs (load average 2.3),
median / p99 / SQL: default queue 32 / 35 / 3 ms; referred 38 / 44 / 5 ms; over 1 day in state
39 / 197 / 5 ms; search by number 14 / 17 / 2 ms; page 2,000 by key 37 / 46 / 4 ms; page 1,999 by
key 37 / 39 / 4 ms; referred deep by key 44 / 193 / 10 ms; last page 35 / 38 / 3 ms; referred
last page 38 / 42 / 5 ms; ?p=50 46 / 60 / 12 ms; referred oldest first 39 / 42 / 5 ms, its ?p=50
48 / 50 / 15 ms. Reference: stock page 2,000 by OFFSET 535 / 871 / 539 ms; stock first page with
COUNT(*) 156 / 404 / 92 ms; stock referred 82 / 232 / 43 ms. The two p99s near 200 ms are one
request in 15 that meets Python's full garbage collection (about 110 ms over the process's
250,000 objects), not the database; `gc.freeze()` after start-up in the server would take most
of it away.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loanhub_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loanhub.settings")
os.environ.setdefault("LOANHUB_ALLOWED_HOSTS", "testserver,localhost")

ROWS = int(os.environ.get("BENCH_APPLICATIONS", "1000000"))
CUSTOMERS = 10_000
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
TARGET_MS = 100.0


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed() -> None:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection

    from applications.models import LoanApplication, State
    from customers.models import Customer
    from demo.products import seed_products
    from products.models import ProductVersion

    have = LoanApplication.objects.count()
    if have >= ROWS:
        print(f"reusing {have:,} applications")
        return
    from loanhub import roles
    from tests.products.factories import UserFactory

    users = get_user_model()
    maker = UserFactory(username="bench-pm", role=roles.PRODUCT_MANAGER)
    checker = UserFactory(username="bench-pm2", role=roles.PRODUCT_MANAGER)
    seed_products(maker=maker, checker=checker)
    versions = list(ProductVersion.objects.filter(status="active").values_list("pk", flat=True))
    started = time.perf_counter()
    if Customer.objects.count() < CUSTOMERS:
        new_users = users.objects.bulk_create(
            [users(username=f"bench-c{i}", password="!") for i in range(CUSTOMERS)], ignore_conflicts=True
        )
        del new_users
        bench_users = users.objects.filter(username__startswith="bench-c").order_by("pk")
        Customer.objects.bulk_create(
            [
                Customer(
                    user=user,
                    legal_name=f"Bench {i}",
                    id_number=f"1101011990{i:08d}",
                    date_of_birth=dt.date(1990, 1, 1),
                    phone=f"139{i:08d}",
                    monthly_income=Decimal("20000"),
                )
                for i, user in enumerate(bench_users)
            ],
            batch_size=2000,
        )
    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    # One complete row made by the ORM gives every column's value; SQL repeats it with variations.
    template = LoanApplication(
        customer_id=customer_ids[0],
        product_version_id=versions[0],
        amount=Decimal("50000.00"),
        term=24,
        method="annuity",
        frequency="monthly",
        purpose="car_used",
    )
    fields = [f for f in LoanApplication._meta.concrete_fields if not f.primary_key]
    varying = {
        "customer_id",
        "product_version_id",
        "state",
        "amount",
        "state_changed_at",
        "created_at",
        "updated_at",
        "channel",
    }
    columns, values, params = [], [], []
    states = [s.value for s in State]
    for field in fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.attname == "customer_id":
            values.append(f"(ARRAY{customer_ids})[1 + (g %% {len(customer_ids)})]")
        elif field.attname == "product_version_id":
            values.append(f"(ARRAY{versions})[1 + (g %% {len(versions)})]")
        elif field.attname == "state":
            values.append(f"(ARRAY{states!r}::text[])[1 + (g * 7 %% {len(states)})]".replace('"', "'"))
        elif field.attname == "amount":
            values.append("(10000 + (g %% 490) * 1000)::numeric")
        elif field.attname == "channel":
            values.append("(ARRAY['web','app','branch','partner'])[1 + (g %% 4)]")
        elif field.attname in {"state_changed_at", "created_at", "updated_at"}:
            values.append("now() - (g %% 100000) * interval '1 minute'")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
        assert field.attname not in varying or values[-1] != "%s"
    start = LoanApplication.objects.count()
    batch = 200_000
    with connection.cursor() as cursor:
        for low in range(start, ROWS, batch):
            high = min(low + batch, ROWS)
            cursor.execute(
                f"INSERT INTO {LoanApplication._meta.db_table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM generate_series(%s, %s) AS g",
                [*params, low, high - 1],
            )
            print(f"  {high:,} applications", flush=True)
        # What autovacuum does soon after a bulk load in production: statistics for the planner and
        # the visibility map for index-only scans (the capped counts read only the index).
        cursor.execute(f"VACUUM (ANALYZE) {LoanApplication._meta.db_table}")
    print(f"seeded in {time.perf_counter() - started:.1f} s")


def timed(client, url: str) -> tuple[list[float], float]:
    """Wall times of RUNS requests (after two warm-ups), and the median time spent in SQL in three
    more: the database's share, which the other jobs on a shared machine disturb less."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for i in range(RUNS + 2):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= 2:  # two warm-up requests
            times.append(elapsed)
    sql = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        sql.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    return times, statistics.median(sql)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def report(label: str, measured: tuple[list[float], float], target: float | None) -> bool:
    times, sql = measured
    median = statistics.median(times)
    worst = p99(times)
    line = f"{label:<48} median {median:7.1f} ms   p99 {worst:7.1f} ms   SQL {sql:6.1f} ms"
    if target is None:
        print(f"{line}   (reference)")
        return True
    ok = median <= target
    verdict = ("ok" if ok else "MISSED") + ("" if worst <= target else " (p99 over)")
    print(f"{line}   target <= {target:.0f} ms   {verdict}")
    return ok


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.contrib.admin.views.main import ChangeList
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.test import Client

    from applications.admin import LoanApplicationAdmin
    from applications.models import LoanApplication
    from loanhub import roles
    from tests.products.factories import UserFactory

    call_command("migrate", verbosity=0)
    roles.sync_roles()
    seed()
    officer = UserFactory(username="bench-officer", role=roles.LOAN_OFFICER)
    client = Client()
    client.force_login(officer)
    base = "/admin/applications/loanapplication/"
    per_page = LoanApplicationAdmin.list_per_page
    newest = LoanApplication.objects.order_by("-id").values_list("id", flat=True)
    # Page 2,000 (rows 99,951…100,000, newest first) opens from page 1,999's "next" link, which
    # carries its last key; page 1,999 from page 2,000's "previous" link, which carries its first.
    deep = newest[1999 * per_page - 1]
    deep_first = newest[1999 * per_page]
    referred = newest.filter(state="referred")
    deep_referred = referred[min(1999, referred.count() // per_page - 2) * per_page - 1]
    age = LoanApplicationAdmin.list_display.index("age_in_state")
    pages = {
        "default queue (all, newest first)": base,
        "state = referred": base + "?state__exact=referred",
        "in state over 1 day": base + "?age=1d",
        "search by application number": base + f"?q=A{newest[54321]:08d}",
        "page 2,000 by key (?after=<id>)": base + f"?after={deep}",
        "page 1,999 by key (?before=<id>)": base + f"?before={deep_first}",
        "referred, deep by key (?after=<id>)": base + f"?state__exact=referred&after={deep_referred}",
        "last page (?last=1)": base + "?last=1",
        "referred, last page": base + "?state__exact=referred&last=1",
        "page 50 by number (deepest OFFSET, ?p=50)": base + "?p=50",
        "referred, oldest in state first": base + f"?state__exact=referred&o={age}",
        "referred, oldest in state first, ?p=50": base + f"?state__exact=referred&o={age}&p=50",
    }
    print(
        f"LoanHub admin changelist benchmark — {ROWS:,} applications, PostgreSQL, {RUNS} runs each "
        f"(+2 warm-up), {per_page} rows a page"
    )
    html = client.get(pages["page 2,000 by key (?after=<id>)"]).content.decode()
    shown = [int(pk) for pk in re.findall(base + r"(\d+)/change/", html)]
    assert shown == list(newest[1999 * per_page : 2000 * per_page]), "not page 2,000"
    print("-" * 126)
    missed = sum(not report(label, timed(client, url), TARGET_MS) for label, url in pages.items())
    # Reference, same run: Django's stock changelist (OFFSET pages, full COUNT(*)), as the console
    # was before keyset pages: the deep page walks and discards 99,950 rows.
    LoanApplicationAdmin.get_changelist = lambda self, request, **kwargs: ChangeList
    LoanApplicationAdmin.change_list_template = None
    LoanApplicationAdmin.paginator = Paginator
    LoanApplicationAdmin.show_full_result_count = True
    for label, url in (
        ("reference: stock, page 2,000 by OFFSET (?p=2000)", base + "?p=2000"),
        ("reference: stock, default queue (COUNT(*))", base),
        ("reference: stock, referred (COUNT(*))", pages["state = referred"]),
    ):
        report(label, timed(client, url), None)
    print("-" * 126)
    print(f"{missed} target(s) missed (median against {TARGET_MS:.0f} ms)" if missed else "all targets met")


if __name__ == "__main__":
    main()
