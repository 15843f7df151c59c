"""What one portal request costs the server: CPU time, queries and Redis round trips per request.

    .venv/bin/python benchmarks/bench_portal_cpu.py            # every endpoint of load_portal.py
    BENCH_ONLY=quote BENCH_PROFILE=/tmp/quote.pstats .venv/bin/python benchmarks/bench_portal_cpu.py

Wall-clock load figures (load_portal.py) mean little on a machine other jobs share; the CPU time a
request takes in the server process does not depend much on them, and it bounds the rate: two
cores at 6 ms of CPU per request give at most about 330 requests a second. Each endpoint of the
load test is called BENCH_REQUESTS times (default 200, after 20 unmeasured) through Django's
request handler with the real-mode settings (PostgreSQL of LOAD_DATABASE_URL, the Redis cache of
LOAD_BROKER_URL, the same as load_portal.py, whose `prepare` step seeds the database and signs
in the load customers). Printed per endpoint: CPU milliseconds of this process per request
(`time.process_time`; the database and Redis servers' own CPU is not in it), wall milliseconds,
SQL queries and Redis commands per request. The test client's own work (building the request,
reading the response) is included, about 0.3 ms. Signed-in endpoints go as the load test's
customers (session cookie and API token, each request another customer); the public ones as
anonymous visitors from another address each time (X-Forwarded-For behind one trusted proxy).
BENCH_PROFILE writes a cProfile (CPU time) of the measured requests of BENCH_ONLY's endpoint.
"""

from __future__ import annotations

import cProfile
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import load_portal  # noqa: E402  (the repository's benchmarks folder is put on sys.path above)

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WARMUP = 20
ONLY = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
PROFILE = os.environ.get("BENCH_PROFILE", "")


class Counters:
    """SQL queries (a connection execute wrapper) and Redis commands (redis-py's client)."""

    def __init__(self):
        self.queries = 0
        self.redis = 0

    def install(self):
        from django.db import connection
        from redis.client import Pipeline, Redis

        counters = self

        def count_query(execute, sql, params, many, context):
            counters.queries += 1
            return execute(sql, params, many, context)

        connection.execute_wrappers.append(count_query)
        command, pipeline = Redis.execute_command, Pipeline.execute

        def execute_command(self, *args, **options):
            if not isinstance(self, Pipeline):
                counters.redis += 1
            return command(self, *args, **options)

        def execute(self, *args, **options):
            counters.redis += 1
            return pipeline(self, *args, **options)

        Redis.execute_command = execute_command
        Pipeline.execute = execute


def main() -> None:
    setup_env = {k: v for k, v in load_portal._server_env().items() if k != "CELERY_BROKER_URL"}
    done = subprocess.run(
        [sys.executable, load_portal.__file__, "prepare"],
        env=setup_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit("set-up failed")
    prepared = json.loads(done.stdout.strip().splitlines()[-1])
    os.environ.update(load_portal._server_env())
    import django

    django.setup()
    from django.test import Client

    counters = Counters()
    counters.install()
    users = prepared["users"]
    code, amount, term = prepared["product"], prepared["amount"], prepared["term"]
    quote = {"amount": amount, "term": term}
    draft = {"product": code, "amount": amount, "term": term}
    clients = []
    anonymous = Client()
    for user in users:
        client = Client(HTTP_AUTHORIZATION=f"Token {user['token']}")
        # One request handler for every client, as one for each server process: each client's own
        # would load the middleware (WhiteNoise reading every static file) on its first request,
        # a cost of a server's start measured as a request's.
        client.handler = anonymous.handler
        client.cookies["sessionid"] = user["session"]
        clients.append({"client": client, "application": None})

    def address() -> str:
        return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"

    def as_customer(i: int):
        return clients[i % len(clients)]

    def apply(i: int):
        mine = as_customer(i)
        response = mine["client"].post(
            "/api/v1/applications/", draft, content_type="application/json", HTTP_X_FORWARDED_FOR=address()
        )
        if response.status_code == 201:
            mine["application"] = response.json()["id"]
        return response

    def status(i: int):
        mine = as_customer(i)
        if mine["application"] is None:
            apply(i)
        return mine["client"].get(
            f"/api/v1/applications/{mine['application']}/", HTTP_X_FORWARDED_FOR=address()
        )

    quote_path = f"/api/v1/products/{code}/quote/"
    endpoints = {
        # browsing, signed in
        "products": lambda i: as_customer(i)["client"].get("/products/", HTTP_X_FORWARDED_FOR=address()),
        "product": lambda i: as_customer(i)["client"].get(
            f"/products/{code}/", HTTP_X_FORWARDED_FOR=address()
        ),
        "calculator": lambda i: as_customer(i)["client"].get("/calculator/", HTTP_X_FORWARDED_FOR=address()),
        "quote-signed-in": lambda i: as_customer(i)["client"].post(
            quote_path, quote, content_type="application/json", HTTP_X_FORWARDED_FOR=address()
        ),
        "apply": apply,
        "status": status,
        # saturation, anonymous
        "products-anonymous": lambda i: anonymous.get("/products/", HTTP_X_FORWARDED_FOR=address()),
        "calculator-anonymous": lambda i: anonymous.get("/calculator/", HTTP_X_FORWARDED_FOR=address()),
        "quote": lambda i: anonymous.post(
            quote_path, quote, content_type="application/json", HTTP_X_FORWARDED_FOR=address()
        ),
    }
    expected = {"apply": 201}
    print(
        f"{REQUESTS} requests each, after {WARMUP} unmeasured (CPU of this process; queries and Redis"
        " commands per request)"
    )
    print(f"  {'endpoint':<22} {'CPU ms':>7} {'wall ms':>8} {'queries':>8} {'redis':>6}")
    for name, call in endpoints.items():
        if ONLY and name not in ONLY:
            continue
        for i in range(WARMUP):
            response = call(i)
            if response.status_code != expected.get(name, 200):
                raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
        counters.queries = counters.redis = 0
        profiler = cProfile.Profile(time.process_time) if PROFILE else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for i in range(REQUESTS):
            call(WARMUP + i)
        if profiler:
            profiler.disable()
            profiler.dump_stats(PROFILE)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"  {name:<22} {cpu * 1000 / REQUESTS:>7.2f} {wall * 1000 / REQUESTS:>8.2f}"
            f" {counters.queries / REQUESTS:>8.1f} {counters.redis / REQUESTS:>6.1f}"
        )


if __name__ == "__main__":
    main()
