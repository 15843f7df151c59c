"""The dashboard benchmark's history before business date D (`bench_dashboards.py`): every
monitoring aggregate the pages and APIs read, generated in SQL for BENCH_HISTORY_DAYS (default 730)
days at the cardinality the real job produced for D (see `bench_dashboards.py`'s docstring), and the
periodic rescores of the last BENCH_RESCORE_MONTHS months (default 3) for every loan on D's book.
Benchmark code: run after `run_monitoring(D)`, into the benchmark's own database only.
"""

from __future__ import annotations

import datetime as dt
import os

HISTORY_DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "730"))
RESCORE_MONTHS = int(os.environ.get("BENCH_RESCORE_MONTHS", "3"))
PRODUCTS = 8  # the decision aggregates' products, P0–P7 (the API's ?product=P1 filter)
LINE_PRODUCT = "LINE-FLEX"  # the demo catalogue's revolving product: the credit lines' flows


def _exec(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def score_bands(first: dt.date, day: dt.date) -> int:
    """The decisions of each month by product and score band (`DecisionScoreBand`, the risk page's
    heat map and GET /api/v1/monitoring/score-distribution/), as many as `DecisionMonth`'s: every
    20-point band from 340 to 700 (the shown range and both open ends) for each product, a bell
    around 540 moving a little month by month."""
    return _exec(
        """
        INSERT INTO monitoring_decisionscoreband (month, product, band, decisions, through)
        SELECT m::date, 'P' || p, b,
            greatest(1, round(120 * exp(-power((b - 540 - (extract(month from m) - 6) * 2) / 70.0, 2))
                * (1 + p %% 3)))::int,
            least((m + interval '1 month' - interval '1 day')::date, %(d)s::date)
        FROM generate_series(date_trunc('month', %(first)s::date), %(d)s::date, interval '1 month') m,
            generate_series(0, %(products)s - 1) p, generate_series(340, 700, 20) b
        ON CONFLICT (month, product, band) DO NOTHING
        """,
        {"first": first, "d": day, "products": PRODUCTS},
    )


def flows(first: dt.date, day: dt.date) -> int:
    """The flows of every day before D (`PortfolioFlow`): the loans' disbursements and repayments
    per dimension of D's mix where the job found none (the bench loans started within the year and
    have no repayments), and the credit lines' draws and repayments (the `line_*` columns) under the
    revolving product (LINE_PRODUCT) for each customer type, channel, region and industry of D's mix:
    a 1,000,000-loan book repays on most of its combinations every day."""
    params = {"first": first, "last": day - dt.timedelta(days=1), "d": day, "line": LINE_PRODUCT}
    loans = _exec(
        """
        INSERT INTO monitoring_portfolioflow (day, product, customer_type, channel, region, industry,
            disbursed_loans, disbursed, upfront_fees, repayments, principal, interest, penalty, fees,
            line_draws, drawn, line_repayments, line_principal, line_interest, line_penalty)
        SELECT d::date, x.product, x.customer_type, x.channel, x.region, x.industry,
            (x.loans %% 3), 50000 * (x.loans %% 3), 500 * (x.loans %% 3),
            greatest(1, x.loans / 30), round(x.balance / 360, 2), round(x.balance / 2400, 2),
            round(x.overdue / 3000, 2), 0, 0, 0, 0, 0, 0, 0
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            monitoring_portfoliomix x
        WHERE x.business_date = %(d)s
        ON CONFLICT ON CONSTRAINT portfolio_flow_unique DO NOTHING
        """,
        params,
    )
    lines = _exec(
        """
        INSERT INTO monitoring_portfolioflow (day, product, customer_type, channel, region, industry,
            disbursed_loans, disbursed, upfront_fees, repayments, principal, interest, penalty, fees,
            line_draws, drawn, line_repayments, line_principal, line_interest, line_penalty)
        SELECT d::date, %(line)s, x.customer_type, x.channel, x.region, x.industry,
            0, 0, 0, 0, 0, 0, 0, 0,
            1 + (x.loans %% 5), 8000 * (1 + x.loans %% 5), 1 + (x.loans %% 4),
            6000 * (1 + x.loans %% 4), 150 * (1 + x.loans %% 4), 3 * (x.loans %% 2)
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,
            (SELECT customer_type, channel, region, industry, sum(loans)::int AS loans
             FROM monitoring_portfoliomix WHERE business_date = %(d)s
             GROUP BY customer_type, channel, region, industry) x
        ON CONFLICT ON CONSTRAINT portfolio_flow_unique DO NOTHING
        """,
        params,
    )
    return loans + lines


def rollups_by_dimension(day: dt.date) -> dict[str, int]:
    """The portfolio page's rollups by one dimension for every day before D, summed from the
    history's `PortfolioMix` and `PortfolioFlow` rows by the job's own statements
    (`monitoring.portfolio.rollup_by_dimension`), so at the job's cardinality: per date the whole
    book and each value of the five dimensions. The flow rollups of the days before D are summed
    again (D's job had summed those days before the history added flows to them)."""
    from monitoring.portfolio import rollup_by_dimension
    from monitoring.portfolio_models import (
        FLOW_MEASURES,
        PortfolioFlow,
        PortfolioFlowByDimension,
        PortfolioMix,
        PortfolioMixByDimension,
    )

    PortfolioMixByDimension.objects.filter(business_date__lt=day).delete()
    rollup_by_dimension(
        PortfolioMixByDimension,
        PortfolioMix.objects.filter(business_date__lt=day),
        "business_date",
        ("loans", "balance", "overdue"),
    )
    PortfolioFlowByDimension.objects.filter(day__lt=day).delete()
    rollup_by_dimension(
        PortfolioFlowByDimension, PortfolioFlow.objects.filter(day__lt=day), "day", FLOW_MEASURES
    )
    return {
        "portfolio_mix_by_dimension": PortfolioMixByDimension.objects.count(),
        "portfolio_flow_by_dimension": PortfolioFlowByDimension.objects.count(),
    }


def rescores(day: dt.date) -> int:
    """The periodic rescore on the 1st of each of the last RESCORE_MONTHS months, one row per loan
    on D's book (`LoanRescore`: the LoanRescore admin list and early warning's score_drift read
    it); a tenth of the borrowers a grade or more below their score at application."""
    return _exec(
        """
        INSERT INTO monitoring_loanrescore (loan_id, as_of, model_version, baseline_score,
            baseline_grade, score, grade)
        SELECT s.loan_id, m::date, 1, 520 + (s.loan_id %% 120),
            chr(65 + (4 - (s.loan_id %% 120) / 24)::int),
            520 + (s.loan_id %% 120) - CASE WHEN s.loan_id %% 10 = 0 THEN 45 ELSE s.loan_id %% 7 END,
            chr(65 + least(4, (4 - (s.loan_id %% 120) / 24)::int
                + CASE WHEN s.loan_id %% 10 = 0 THEN 2 ELSE 0 END))
        FROM generate_series(date_trunc('month', %(d)s::date) - (%(months)s - 1) * interval '1 month',
                date_trunc('month', %(d)s::date), interval '1 month') m,
            servicing_loansnapshot s
        WHERE s.business_date = %(d)s
        ON CONFLICT DO NOTHING
        """,
        {"d": day, "months": RESCORE_MONTHS},
    )


def history(day: dt.date) -> dict[str, int]:
    """24 months (HISTORY_DAYS) of aggregates before D, in SQL, at the cardinality of D's real rows."""
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
    # The portfolio page's rollup (PortfolioMix) for every day, as D's. Its flows (PortfolioFlow):
    # D's job, the first, built the loans' from their whole history; `flows` below adds the days
    # without any and the credit lines' columns.
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
    made["decision_score_band"] = score_bands(first, day)
    made["portfolio_flow (loans and credit lines, every day)"] = flows(first, day)
    made.update(rollups_by_dimension(day))
    made["loan_rescore"] = rescores(day)
    for table in (
        "monitoring_portfolioday",
        "monitoring_portfoliototal",
        "monitoring_portfoliomix",
        "monitoring_portfolioflow",
        "monitoring_portfoliomixbydimension",
        "monitoring_portfolioflowbydimension",
        "monitoring_rollrate",
        "monitoring_classificationmigration",
        "monitoring_decisionmonth",
        "monitoring_decisionscoreband",
        "monitoring_loanrescore",
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
