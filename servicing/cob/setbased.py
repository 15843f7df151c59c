"""Close of business for a chunk of loans in SQL (PostgreSQL): one statement moves every ordinary
loan of the chunk from business date D to D + 1.

An ordinary loan is active, stands at D (`position_date`), holds no credit and is not classified
with its borrower's other loans; the rest are replayed one by one (`servicing.cob.perloan`). For an
ordinary loan the day changes only what `servicing.position.replay` would change between D and
D + 1 with no payment, and that is computed here from the stored position alone:

- installments touched: those falling due on D + 1, the unpaid ones already due, and those paid
  within their grace days whose waived basis is cleared when the grace ends. Penalty interest
  accrues one day on overdue principal (and overdue interest when compounded) into the exact basis
  (Σ amount × rate × days; read as basis / 365 rounded half-up), charged or still in grace; at the
  end of the grace days an unpaid installment's grace basis is charged. Status and paid-on follow.
  An overdue installment whose penalty is charged is stored as of an anchor date with the basis it
  adds a day (`LoanInstallment.penalty_from`, `penalty_daily`, the same rule as the replay's store:
  `servicing.repayments._penalty_anchor`); one already anchored that accrues the same is read
  (its basis derived as of D) but not rewritten, so an unchanged overdue loan costs its
  installments no write. The installments are read once, by three disjoint index scans.
- the loan: contractual interest accrues by days over the running period (the period's interest ×
  days elapsed / days in the period, half-up, as `Position.interest_accrued`), the period rolls at
  a due date; amounts falling due join interest and fees due; days past due from the oldest unpaid
  installment; bucket, class (the 2023 floors, the officer's class and a restructured loan's
  observation floor, whose period a day past due starts again: `servicing.rules`), IFRS 9 stage, non-accrual,
  provision and ECL by `servicing.rules` (the same parameters, passed in); the sub-ledger totals.

One statement, data-modifying CTEs: the chunk's collateral summed per loan once (its LGD, and
no quiet days for a secured loan) → installments updated (those that change) → the day's changes of
all the installments read summed per loan → loans
updated (old and new sub-ledger totals returned) → a snapshot row per loan inserted → the chunk's
sums of each flow returned, which the caller books as one journal entry. Tests compare the result
with the replay, day by day, to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import connection

from servicing import collateral, rules
from servicing.choices import CLASS_RANK, Classification, LoanStatus
from servicing.subledger import ACCRUAL_FLOWS


def _class_case(column: str, mapping: dict[str, object]) -> str:
    whens = " ".join(f"WHEN '{klass}' THEN {value}" for klass, value in mapping.items())
    return f"(CASE {column} {whens} END)"


def _bucket_case(column: str) -> str:
    whens = []
    for code, first, last in settings.LOANHUB_DELINQUENCY_BUCKETS:
        upper = f" AND {column} <= {int(last)}" if last is not None else ""
        whens.append(f"WHEN {column} >= {int(first)}{upper} THEN '{code}'")
    return f"(CASE {' '.join(whens)} END)"


def _accrued(day: str) -> str:
    """The running period's interest earned to the start of `day` (`servicing.quiet.accrued`)."""
    return f"""(CASE WHEN {day} >= l.accrual_end THEN l.accrual_interest
        ELSE round(l.accrual_interest * ({day} - l.accrual_start)
                   / (l.accrual_end - l.accrual_start), 2) END)"""


def _earned(day: str) -> str:
    """The loan's interest earned to the start of `day`: the stored figure, as of its position
    date, plus the accrual since (a quiet loan's row stands at an earlier date: `servicing.quiet`)."""
    return f"""(CASE WHEN l.accrual_end IS NULL THEN l.sl_interest_earned
        ELSE l.sl_interest_earned - {_accrued("l.position_date")} + {_accrued(day)} END)"""


def _sql() -> str:
    # the loan's LGD, lower when secured (`servicing.collateral`)
    lgd = collateral.ecl_lgd_sql(
        loan_id="x.id", ead="GREATEST(x.principal_outstanding + x.interest_due, 0)", secured="x.secured"
    )
    ranks = {klass: CLASS_RANK[klass] for klass in Classification.values}
    rate_by_rank = " ".join(
        f"WHEN {CLASS_RANK[klass]} THEN {rules.provision_rate(klass)}::numeric"
        for klass in Classification.values
    )
    klass_by_rank = " ".join(f"WHEN {rank} THEN '{klass}'" for klass, rank in ranks.items())
    f = CLASS_RANK
    # (days past due over, class rank at least), worst first.
    floors = " ".join(f"WHEN x.dpd > {days} THEN {f[klass]}" for days, klass in rules.CLASS_FLOORS)
    sm = f[Classification.SPECIAL_MENTION]
    sub = f[Classification.SUBSTANDARD]
    override_rank = _class_case("l.classification_override", ranks)
    return f"""
WITH coll AS ({collateral.secured_by_loan_sql(where="c.loan_id BETWEEN %(first)s AND %(last)s")}),
inst AS (
    SELECT i.id, i.loan_id, i.due_date, b.old_basis, i.penalty_from, i.penalty_daily, i.grace_basis,
        i.status AS old_status, t.accrued,
        CASE WHEN i.penalty_charged THEN b.old_basis + t.accrued ELSE b.old_basis END AS basis1,
        CASE WHEN i.penalty_charged THEN i.grace_basis ELSE i.grace_basis + t.accrued END AS grace1,
        i.penalty_charged,
        i.due_date = %(d)s::date - l.overdue_grace_days AS grace_ends,
        t.contractual, t.capitalised, i.interest, i.fees, i.paid_interest, i.paid_fees, i.paid_penalty,
        i.paid_on
    FROM (  -- the rows the day touches, read once (three disjoint index scans)
        SELECT * FROM servicing_loaninstallment
         WHERE due_date = %(n)s AND status NOT IN ('due', 'overdue')
           AND loan_id BETWEEN %(first)s AND %(last)s
        UNION ALL
        SELECT * FROM servicing_loaninstallment
         WHERE status IN ('due', 'overdue') AND loan_id BETWEEN %(first)s AND %(last)s
        UNION ALL
        SELECT * FROM servicing_loaninstallment
         WHERE grace_basis <> 0 AND status NOT IN ('due', 'overdue') AND due_date <> %(n)s
           AND loan_id BETWEEN %(first)s AND %(last)s
    ) i
    JOIN servicing_loan l ON l.id = i.loan_id
    CROSS JOIN LATERAL (
        SELECT o.out_p + o.out_i + (i.fees - i.paid_fees) AS contractual, o.cap AS capitalised,
            CASE WHEN i.due_date <= %(d)s
                THEN GREATEST(o.out_p + CASE WHEN l.compound_penalty THEN o.out_i ELSE 0 END, 0)
                     * l.penalty_rate
                ELSE 0 END AS accrued
        FROM (SELECT GREATEST(i.principal, 0) - i.paid_principal AS out_p,
                     i.interest - GREATEST(-i.principal, 0) - i.paid_interest AS out_i,
                     GREATEST(-i.principal, 0) AS cap) o
    ) t
    CROSS JOIN LATERAL (  -- the basis at the start of D (`LoanInstallment.penalty_basis_on`)
        SELECT CASE WHEN i.penalty_from IS NULL THEN i.penalty_basis
                    ELSE i.penalty_basis + i.penalty_daily * (%(d)s::date - i.penalty_from) END
            AS old_basis
    ) b
    WHERE l.id BETWEEN %(first)s AND %(last)s AND l.status = '{LoanStatus.ACTIVE}'
      AND l.position_date <= %(d)s AND COALESCE(l.quiet_until, l.position_date) >= %(d)s
      AND l.credit_balance = 0 AND NOT l.worst_loan_classification
),
inst2 AS (
    SELECT inst.*,
        CASE WHEN grace_ends AND contractual > 0 THEN basis1 + grace1 ELSE basis1 END AS basis2,
        CASE WHEN grace_ends THEN 0 ELSE grace1 END AS grace2,
        penalty_charged OR (grace_ends AND contractual > 0) AS charged2
    FROM inst
),
inst3 AS (
    SELECT inst2.*, contractual + round(basis2 / 365, 2) - paid_penalty AS total_out
    FROM inst2
),
inst4 AS (
    SELECT inst3.*,
        CASE WHEN total_out <= 0 AND due_date <= %(n)s THEN 'paid'
             WHEN due_date < %(n)s THEN 'overdue'
             WHEN due_date = %(n)s THEN 'due' ELSE 'pending' END AS status2,
        COALESCE(paid_on, CASE WHEN due_date <= %(n)s AND total_out <= 0 THEN %(n)s::date END)
            AS paid_on2
    FROM inst3
),
inst5 AS (
    -- Overdue with its penalty charged: stored as of an anchor date (`penalty_from`) with the
    -- day's accrual, which a row anchored already and accruing the same keeps without a write.
    SELECT inst4.*, charged2 AND status2 = 'overdue' AS anchored,
        penalty_from IS NOT NULL AND charged2 AND status2 = 'overdue' AND old_status = 'overdue'
            AND penalty_daily = accrued AND grace_basis = 0 AND grace2 = 0 AS kept
    FROM inst4
),
upd_inst AS (
    UPDATE servicing_loaninstallment i SET
        penalty_basis = s.basis2, grace_basis = s.grace2, penalty_charged = s.charged2,
        penalty_from = CASE WHEN s.anchored THEN %(n)s::date END,
        penalty_daily = CASE WHEN s.anchored THEN s.accrued ELSE 0 END,
        status = s.status2, paid_on = s.paid_on2
    FROM inst5 s WHERE i.id = s.id AND NOT s.kept
),
changes AS (
    SELECT loan_id, due_date, contractual, total_out, capitalised, interest, fees, paid_interest,
        paid_fees, status2 IN ('due', 'overdue') OR grace2 <> 0 AS pending,
        round(basis2 / 365, 2) - round(old_basis / 365, 2) AS penalty_delta
    FROM inst5
),
agg AS (
    SELECT loan_id,
        SUM(penalty_delta) AS penalty_delta,
        SUM(CASE WHEN due_date = %(n)s THEN capitalised ELSE 0 END) AS capitalised_due,
        SUM(CASE WHEN due_date = %(n)s THEN interest - capitalised - paid_interest ELSE 0 END)
            AS interest_falling_due,
        SUM(CASE WHEN due_date = %(n)s THEN fees - paid_fees ELSE 0 END) AS fees_falling_due,
        SUM(CASE WHEN due_date = %(n)s THEN fees ELSE 0 END) AS fees_charged,
        MIN(CASE WHEN due_date < %(n)s AND contractual > 0 THEN due_date END) AS oldest_unpaid,
        SUM(CASE WHEN due_date < %(n)s THEN GREATEST(total_out, 0) ELSE 0 END) AS overdue_amount,
        BOOL_OR(pending) AS pending
    FROM changes GROUP BY loan_id
),
base AS (
    SELECT l.id, l.pd, l.maturity_date, l.next_due_date, l.next_due_amount,
        l.accrual_start AS s, l.accrual_end AS e, l.accrual_interest AS ai,
        l.sl_paid_interest, l.sl_paid_penalty,
        {_earned("%(d)s::date")} AS old_interest_earned, l.sl_penalty_earned AS old_penalty_earned,
        l.sl_fees_charged AS old_fees_charged, l.sl_capitalised AS old_capitalised,
        l.sl_suspense_interest AS old_suspense_interest, l.sl_suspense_penalty AS old_suspense_penalty,
        l.sl_reserve AS old_reserve,
        l.principal_outstanding + COALESCE(a.capitalised_due, 0) AS principal_outstanding,
        l.interest_due + COALESCE(a.interest_falling_due, 0) AS interest_due,
        l.penalty_due + COALESCE(a.penalty_delta, 0) AS penalty_due,
        l.fees_due + COALESCE(a.fees_falling_due, 0) AS fees_due,
        l.sl_penalty_earned + COALESCE(a.penalty_delta, 0) AS penalty_earned,
        l.sl_fees_charged + COALESCE(a.fees_charged, 0) AS fees_charged,
        l.sl_capitalised + COALESCE(a.capitalised_due, 0) AS capitalised,
        COALESCE(a.overdue_amount, 0) AS overdue_amount, COALESCE(a.pending, false) AS pending,
        a.oldest_unpaid IS NOT NULL AS overdue,
        CASE WHEN a.oldest_unpaid IS NOT NULL
                  AND %(n)s::date > a.oldest_unpaid + l.overdue_grace_days
             THEN %(n)s::date - a.oldest_unpaid ELSE 0 END AS dpd,
        COALESCE({override_rank}, 0) AS override_rank, l.observation_until AS obs_until,
        {_earned("%(n)s::date")} AS interest_earned,
        COALESCE(coll.secured, 0) AS secured, coll.loan_id IS NOT NULL AS collateralised
    FROM servicing_loan l LEFT JOIN agg a ON a.loan_id = l.id LEFT JOIN coll ON coll.loan_id = l.id
    WHERE l.id BETWEEN %(first)s AND %(last)s AND l.status = '{LoanStatus.ACTIVE}'
      AND l.position_date <= %(d)s AND COALESCE(l.quiet_until, l.position_date) >= %(d)s
      AND l.credit_balance = 0 AND NOT l.worst_loan_classification
      AND (COALESCE(l.quiet_until, l.position_date) < %(n)s OR a.loan_id IS NOT NULL)
),
classed AS (
    SELECT x.*,
        GREATEST(CASE {floors} WHEN x.overdue OR x.dpd > 0 THEN {sm} ELSE 0 END, x.override_rank,
                 CASE WHEN x.obs_until >= %(n)s THEN {sub} ELSE 0 END)
            AS klass
    FROM base x
),
staged AS (
    SELECT c.*,
        CASE WHEN c.dpd > 90 OR c.klass >= {sub} THEN 3
             WHEN c.dpd > 30 OR c.klass = {sm} THEN 2 ELSE 1 END AS stage,
        c.dpd >= %(non_accrual_dpd)s AS non_accrual,
        GREATEST(c.maturity_date - %(n)s::date, 0) AS remaining_days
    FROM classed c
),
nxt AS (
    SELECT st.*, nd.due_date AS next_date, nd.amount AS next_amount,
        np.due_date AS period_end, np.interest AS period_interest
    FROM staged st
    LEFT JOIN LATERAL (
        SELECT i.due_date, (GREATEST(i.principal, 0) - i.paid_principal)
               + (i.interest - GREATEST(-i.principal, 0) - i.paid_interest) + (i.fees - i.paid_fees)
               + round(i.penalty_basis / 365, 2) - i.paid_penalty AS amount
        FROM servicing_loaninstallment i
        WHERE st.next_due_date < %(n)s AND i.loan_id = st.id AND i.due_date >= %(n)s
          AND (GREATEST(i.principal, 0) - i.paid_principal)
              + (i.interest - GREATEST(-i.principal, 0) - i.paid_interest) + (i.fees - i.paid_fees)
              + round(i.penalty_basis / 365, 2) - i.paid_penalty > 0
        ORDER BY i.number LIMIT 1
    ) nd ON true
    LEFT JOIN LATERAL (
        SELECT i.due_date, i.interest FROM servicing_loaninstallment i
        WHERE st.e = %(n)s AND i.loan_id = st.id AND i.due_date > %(n)s
        ORDER BY i.number LIMIT 1
    ) np ON true
),
fin AS (
    SELECT x.*,
        CASE WHEN x.non_accrual
             THEN GREATEST(x.interest_earned - x.capitalised - x.sl_paid_interest, 0) ELSE 0 END
            AS suspense_interest,
        CASE WHEN x.non_accrual THEN GREATEST(x.penalty_earned - x.sl_paid_penalty, 0) ELSE 0 END
            AS suspense_penalty,
        round(GREATEST(x.principal_outstanding, 0) * (CASE x.klass {rate_by_rank} END), 2) AS reserve,
        round(GREATEST(x.principal_outstanding + x.interest_due, 0)
              * CASE x.stage
                    WHEN 3 THEN 1
                    WHEN 2 THEN CASE WHEN x.pd < 1
                        THEN 1 - power(1 - x.pd, GREATEST(x.remaining_days::numeric / 365, 1))
                        ELSE 1 END
                    ELSE x.pd END
              * {lgd}, 2) AS ecl
    FROM nxt x
),
upd_loan AS (
    UPDATE servicing_loan l SET
        position_date = %(n)s,
        days_past_due = f.dpd,
        delinquency_bucket = {_bucket_case("f.dpd")},
        classification = CASE f.klass {klass_by_rank} END,
        ifrs9_stage = f.stage,
        non_accrual = f.non_accrual,
        principal_outstanding = f.principal_outstanding,
        interest_due = f.interest_due,
        penalty_due = f.penalty_due,
        fees_due = f.fees_due,
        next_due_date = CASE WHEN f.next_due_date < %(n)s THEN f.next_date ELSE f.next_due_date END,
        next_due_amount = CASE WHEN f.next_due_date < %(n)s THEN COALESCE(f.next_amount, 0)
                               ELSE f.next_due_amount END,
        accrual_start = CASE WHEN f.e = %(n)s THEN f.e ELSE f.s END,
        accrual_end = CASE WHEN f.e = %(n)s THEN f.period_end ELSE f.e END,
        accrual_interest = CASE WHEN f.e = %(n)s THEN COALESCE(f.period_interest, 0) ELSE f.ai END,
        quiet_until = CASE WHEN f.dpd = 0 AND f.klass = {f[Classification.PASS]} AND f.stage = 1
                                AND NOT f.non_accrual AND NOT f.pending
                                AND NOT f.collateralised
                                AND (CASE WHEN f.e = %(n)s THEN f.period_end ELSE f.e END) - 1 >= %(n)s
                           THEN (CASE WHEN f.e = %(n)s THEN f.period_end ELSE f.e END) - 1 END,
        ecl = f.ecl,
        observation_until = CASE WHEN f.obs_until >= %(n)s AND f.dpd > 0
            THEN GREATEST(f.obs_until, (%(n)s::date + make_interval(months => %(obs_months)s))::date)
            ELSE f.obs_until END,
        sl_interest_earned = f.interest_earned,
        sl_penalty_earned = f.penalty_earned,
        sl_fees_charged = f.fees_charged,
        sl_capitalised = f.capitalised,
        sl_suspense_interest = f.suspense_interest,
        sl_suspense_penalty = f.suspense_penalty,
        sl_reserve = f.reserve
    FROM fin f WHERE l.id = f.id
    RETURNING l.id, l.days_past_due, l.delinquency_bucket, l.classification, l.ifrs9_stage,
        l.principal_outstanding, l.interest_due, l.penalty_due, l.ecl, l.non_accrual, l.sl_reserve,
        f.overdue_amount,
        f.interest_earned - f.old_interest_earned AS d_interest_earned,
        f.penalty_earned - f.old_penalty_earned AS d_penalty_earned,
        f.fees_charged - f.old_fees_charged AS d_fees_charged,
        f.capitalised - f.old_capitalised AS d_capitalised,
        f.suspense_interest - f.old_suspense_interest AS d_suspense_interest,
        f.suspense_penalty - f.old_suspense_penalty AS d_suspense_penalty,
        f.reserve - f.old_reserve AS d_reserve
),
quiet AS (
    SELECT l.id, l.days_past_due, l.delinquency_bucket, l.classification, l.ifrs9_stage,
        l.principal_outstanding, 0 AS overdue_amount, l.sl_reserve, l.interest_due, l.penalty_due,
        l.ecl, l.non_accrual,
        round(l.accrual_interest * (%(n)s::date - l.accrual_start) / (l.accrual_end - l.accrual_start), 2)
        - round(l.accrual_interest * (%(d)s::date - l.accrual_start) / (l.accrual_end - l.accrual_start), 2)
            AS d_interest_earned
    FROM servicing_loan l
    WHERE l.id BETWEEN %(first)s AND %(last)s AND l.status = '{LoanStatus.ACTIVE}'
      AND l.position_date <= %(d)s AND l.quiet_until >= %(n)s
      AND l.credit_balance = 0 AND NOT l.worst_loan_classification
      AND NOT EXISTS (SELECT 1 FROM inst WHERE inst.loan_id = l.id)
      AND NOT EXISTS (  -- closed for the date already (a chunk run again below its done flag)
          SELECT 1 FROM servicing_loansnapshot s WHERE s.business_date = %(d)s AND s.loan_id = l.id)
),
snap AS (
    -- No ON CONFLICT: whatever writes a loan's snapshot of D (a replay, this statement) leaves
    -- the loan at D + 1, out of both sets here, and a quiet loan with one is excluded above; so a
    -- duplicate is a fault, which fails the chunk. The arbiter's check of every row was ~14 per
    -- cent of the statement (benchmarks/bench_cob.py).
    INSERT INTO servicing_loansnapshot (business_date, loan_id, days_past_due, delinquency_bucket,
        classification, ifrs9_stage, principal_outstanding, overdue_amount, provision, interest_due,
        penalty_due, ecl, non_accrual)
    SELECT %(d)s, u.id, u.days_past_due, u.delinquency_bucket, u.classification, u.ifrs9_stage,
        u.principal_outstanding, u.overdue_amount, u.sl_reserve, u.interest_due, u.penalty_due,
        u.ecl, u.non_accrual
    FROM upd_loan u
    UNION ALL
    SELECT %(d)s, q.id, q.days_past_due, q.delinquency_bucket, q.classification, q.ifrs9_stage,
        q.principal_outstanding, q.overdue_amount, q.sl_reserve, q.interest_due, q.penalty_due,
        q.ecl, q.non_accrual
    FROM quiet q
),
moved AS (
    SELECT COUNT(*) AS n, {", ".join(f"COALESCE(SUM(d_{flow}), 0) AS d_{flow}" for flow in ACCRUAL_FLOWS)}
    FROM upd_loan
),
still AS (SELECT COUNT(*) AS n, COALESCE(SUM(d_interest_earned), 0) AS d_interest_earned FROM quiet)
SELECT moved.n + still.n, {
        ", ".join(
            "moved.d_interest_earned + still.d_interest_earned"
            if flow == "interest_earned"
            else f"moved.d_{flow}"
            for flow in ACCRUAL_FLOWS
        )
    }
FROM moved, still
"""


def close_chunk(*, business_date: dt.date, first_id: int, last_id: int) -> tuple[int, dict[str, Decimal]]:
    """Move the chunk's ordinary loans from `business_date` to the next day (the caller holds the
    chunk's loans locked, in its transaction); returns how many moved and the sum of each
    accrual flow's change (the day's journal entry for the chunk)."""
    params = {
        "d": business_date,
        "n": business_date + dt.timedelta(days=1),
        "first": first_id,
        "last": last_id,
        "non_accrual_dpd": settings.LOANHUB_NON_ACCRUAL_DPD,
        "obs_months": settings.LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS,
    }
    with connection.cursor() as cursor:
        # The statement's cost crosses jit_above_cost; compiling its expressions takes longer than
        # running it (10 s of an 18 s chunk of 50,000 loans, measured by benchmarks/bench_cob.py).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_sql(), params)  # settings may change in tests: built each time
        count, *sums = cursor.fetchone()
    return count, {flow: Decimal(total) for flow, total in zip(ACCRUAL_FLOWS, sums, strict=True)}
