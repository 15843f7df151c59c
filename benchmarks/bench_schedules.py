"""Benchmark of the loan mathematics engine (products/engine) against its speed targets.

Run from anywhere: ``python benchmarks/bench_schedules.py`` (``--check`` exits 1 when a target is
missed). Prints, each next to its target:

* median and p99 time of one 360-installment monthly annuity schedule: rows and totals (the APR is
  solved on first reading of ``summary.apr``), and the same with the APR read;
* throughput over 10,000 schedules of varied terms, methods, frequencies and day counts (the median
  of three rounds, so one noisy stretch of a shared machine does not decide it; slowest and fastest
  shown too);
* median time of the APR of a 360-installment schedule with fees;
* as a reference, numpy-financial's float pmt/ipmt/ppmt table for the same loan, and the ratios of
  both schedule figures to it (measured in the same run).

Times are wall-clock (`time.perf_counter_ns`) after a warm-up, on one core; garbage collection stays on,
as in the service that will call the engine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from products.engine import (  # noqa: E402  (the repository root is put on sys.path just above)
    DayCount,
    Fee,
    FeeKind,
    Frequency,
    Grace,
    GraceKind,
    Method,
    apr_of_cashflows,
    build_schedule,
)

TARGET_SCHEDULE_MS = 1.0
TARGET_THROUGHPUT = 2000.0
TARGET_APR_MS = 1.0

MORTGAGE = {
    "principal": Decimal("1000000.00"),
    "annual_rate": Decimal("0.049"),
    "term": 360,
    "frequency": Frequency.MONTHLY,
    "method": Method.ANNUITY,
    "start_date": date(2024, 1, 15),
}


def timings_ms(fn: Callable[[], object], runs: int, warmup: int = 50) -> list[float]:
    """Wall-clock milliseconds of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def varied_terms(count: int, seed: int = 20240115) -> list[dict[str, object]]:
    """A reproducible mix of loans like a product catalogue quotes: every method, frequency and day
    count, terms up to 480 installments (within 100 years), some with grace, promotions and fees."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        frequency = rng.choice(list(Frequency))
        term = rng.randint(1, min(480, 100 * frequency.periods_per_year - 1))
        kwargs: dict[str, object] = {
            "principal": Decimal(rng.randint(10_000, 10_000_000_00)) / 100,
            "annual_rate": Decimal(rng.randint(0, 3600)) / 10000,
            "term": term,
            "frequency": frequency,
            "method": rng.choice(list(Method)),
            "day_count": rng.choice(list(DayCount)),
            "start_date": date(2024, rng.randint(1, 12), rng.randint(1, 28)),
        }
        if term > 3 and rng.random() < 0.2:
            kwargs["grace"] = Grace(rng.randint(1, min(term - 1, 6)), rng.choice(list(GraceKind)))
        if rng.random() < 0.2:
            grace = kwargs["grace"].periods if "grace" in kwargs else 0  # type: ignore[attr-defined]
            kwargs["interest_free_periods"] = min(rng.randint(0, min(3, term - 1)), term - grace)
        if rng.random() < 0.5:
            kwargs["fees"] = [
                Fee(FeeKind.UPFRONT_PERCENT, Decimal("0.01")),
                Fee(FeeKind.PERIODIC, Decimal("5")),
            ]
        out.append(kwargs)
    return out


def numpy_financial_table(npf: object, np: object) -> Callable[[], object]:
    """The same mortgage as a float amortisation table (installment, interest, principal, balance)."""
    rate = 0.049 / 12
    periods = 360
    principal = 1_000_000.0
    per = np.arange(1, periods + 1)  # type: ignore[attr-defined]

    def table() -> object:
        payment = npf.pmt(rate, periods, -principal)  # type: ignore[attr-defined]
        interest = npf.ipmt(rate, per, periods, -principal)  # type: ignore[attr-defined]
        principal_part = npf.ppmt(rate, per, periods, -principal)  # type: ignore[attr-defined]
        balance = principal - np.cumsum(principal_part)  # type: ignore[attr-defined]
        return payment, interest, principal_part, balance

    return table


def line(label: str, value: str, target: str, ok: bool | None) -> None:
    verdict = "" if ok is None else ("  OK" if ok else "  MISSED")
    print(f"{label:<58} {value:>14}   target {target:<12}{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--runs", type=int, default=1000, help="timed runs of the single-schedule figures")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of the 10,000-schedule batch")
    args = parser.parse_args()
    results: list[bool] = []

    print(f"LoanHub engine benchmark - Python {sys.version.split()[0]}")
    print("-" * 100)

    single = timings_ms(lambda: build_schedule(**MORTGAGE), args.runs)
    median_single = statistics.median(single)
    label = "360-installment monthly annuity schedule"
    line(f"{label} (rows, totals), median", f"{median_single:.3f} ms", "(info)", None)
    line(f"{label} (rows, totals), p99", f"{p99(single):.3f} ms", "(info)", None)
    with_apr = timings_ms(lambda: build_schedule(**MORTGAGE).summary.apr, args.runs)
    median_with_apr = statistics.median(with_apr)
    results.append(median_with_apr <= TARGET_SCHEDULE_MS)
    line(
        f"{label} (incl. APR), median",
        f"{median_with_apr:.3f} ms",
        f"<= {TARGET_SCHEDULE_MS:g} ms",
        results[-1],
    )
    line(f"{label} (incl. APR), p99", f"{p99(with_apr):.3f} ms", "(info)", None)

    batch = varied_terms(10_000)
    for kwargs in batch[:200]:
        build_schedule(**kwargs).summary.apr  # noqa: B018  (reading it solves for the APR)
    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter_ns()
        for kwargs in batch:
            build_schedule(**kwargs).summary.apr  # noqa: B018
        rounds.append(len(batch) / ((time.perf_counter_ns() - start) / 1e9))
    throughput = statistics.median(rounds)
    results.append(throughput >= TARGET_THROUGHPUT)
    mean_term = statistics.mean(int(kwargs["term"]) for kwargs in batch)  # type: ignore[call-overload]
    line(
        f"throughput incl. APR, 10,000 varied (mean term {mean_term:.0f}), median of {len(rounds)}",
        f"{throughput:,.0f} /s",
        f">= {TARGET_THROUGHPUT:,.0f} /s",
        results[-1],
    )
    line(
        "10,000 varied schedules, slowest and fastest round",
        f"{min(rounds):,.0f}-{max(rounds):,.0f} /s",
        "(info)",
        None,
    )

    with_fees = build_schedule(
        **MORTGAGE,
        fees=[Fee(FeeKind.UPFRONT_PERCENT, Decimal("0.01")), Fee(FeeKind.PERIODIC, Decimal("10"))],
    )
    advances, payments = with_fees.cash_flows()
    apr_times = timings_ms(lambda: apr_of_cashflows(advances, payments, Frequency.MONTHLY), args.runs)
    median_apr = statistics.median(apr_times)
    results.append(median_apr <= TARGET_APR_MS)
    line(
        f"APR of a 360-installment schedule with fees ({with_fees.summary.apr * 100:.4f} %), median",
        f"{median_apr:.3f} ms",
        f"<= {TARGET_APR_MS:g} ms",
        results[-1],
    )
    line("APR of a 360-installment schedule with fees, p99", f"{p99(apr_times):.3f} ms", "(info)", None)

    try:
        import numpy as np
        import numpy_financial as npf
    except ImportError:
        print("numpy-financial not installed: no float reference (pip install numpy-financial)")
    else:
        reference = timings_ms(numpy_financial_table(npf, np), args.runs)
        median_reference = statistics.median(reference)
        line(
            "numpy-financial float pmt/ipmt/ppmt table, same loan, median",
            f"{median_reference:.3f} ms",
            "(reference)",
            None,
        )
        line(
            "schedule (rows, totals) time / numpy-financial table time",
            f"{median_single / median_reference:.2f} x",
            "(reference)",
            None,
        )
        line(
            "schedule (incl. APR) time / numpy-financial table time",
            f"{median_with_apr / median_reference:.2f} x",
            "(reference)",
            None,
        )

    print("-" * 100)
    missed = results.count(False)
    print("all targets met" if not missed else f"{missed} target(s) missed")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
