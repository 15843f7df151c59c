"""The applications the demo history's loans come from, and the borrowers who fare worse after
(demo code, used by `demo.history`; nothing imports `demo`).

A simulated borrower applies through the real services: the identity verified by the officer,
the application created with the applicant's stated facts, submitted with the credit-check
consent, scored by risk's worker (the champion scorecard on the feature record, with the bureau
file the simulator gave the borrower), approved by the officer when risk referred it, the offer
accepted. So the loan has a risk decision with its score and the scorecard's features, and the
periodic rescore (`monitoring.rescore`, `manage.py rescore_loans`) has a baseline to compare with.
The loan itself is opened by the simulator, backdated to its start (a real disbursement opens
today's accepted schedule only), with the application's number as its origin; the application is
then moved to `disbursed` as `application_disburse` moves it, the loan in its event. Without a
champion (risk was never seeded) or when the application does not get through (risk declines, an
eligibility rule refuses it) the loan is opened without one, with its `DEMO-HIST-…` origin.

After the history is played, `borrowers_worsen` has some borrowers lose their job: every one in
arrears and `WORSE_SHARE` of the current ones (one at least). Their profile's years employed start
again at a new job, and the bureau reports other lenders' instalment plans and past delays
(critical at 90+ days). The rescore then finds their score fallen — mostly through the employment
band: the demo champion, trained on German Credit, scores a "critical" or "past delays" history
higher than "paid duly", as that data set's borrowers were — and early warning's `score_drift`
fires where the grade falls. Both draw from their own generators (the simulator's seed plus an
offset), so a seed's book is the same with or without a champion.
"""

from __future__ import annotations

import logging
import random
from decimal import Decimal

from django.db import transaction

from applications import services as applications
from applications.models import LoanApplication
from applications.services.base import _lock, _move
from customers import services as customer_services
from demo.customers import seed_identity_card, seed_verified_phone
from loanhub.errors import Conflict, Forbidden, Invalid
from products.selectors import product_get_offered
from risk import selectors as risk
from risk import services as risk_services

logger = logging.getLogger(__name__)

APPLICATION_SEED_OFFSET = 2_000_003
BUREAU_SEED_OFFSET = 3_000_017
WORSE_SHARE = 0.4  # of the current borrowers, those who lose their job after the loan
HISTORIES = ("paid_duly", "paid_duly", "paid_duly", "all_paid")  # at application: clean files
# The applicant's stated facts (risk.mapping's bands), drawn: a mixed book of scores.
STATED = {
    "checking_balance_band": ("overdrawn", "low", "high", "no_account", "no_account"),
    "savings_band": ("lt_600", "600_to_3000", "3000_to_6000", "ge_6000", "unknown"),
    "housing": ("own", "own", "rent", "free"),
    "property_type": ("real_estate", "insurance_savings", "car_other", "none"),
    "guarantor": ("none", "none", "none", "guarantor"),
}


def has_champion() -> bool:
    try:
        risk.champion_get()
    except risk.NoChampion:
        return False
    return True


def application_apply(rng: random.Random, *, customer, product: str, amount: Decimal, term: int, officer):
    """The borrower's application, scored and its offer accepted (see the module); None when it
    does not get that far (nothing of it is kept then)."""
    risk_services.credit_file_upsert(
        id_number=customer.id_number,
        credit_history=rng.choice(HISTORIES),
        existing_credits=rng.choice((0, 1, 1, 2)),
        other_installment_plans="none",
        monthly_debt=Decimal(rng.choice(("0", "500", "800", "1500"))),
    )
    stated = {name: rng.choice(values) for name, values in STATED.items()}
    try:
        with transaction.atomic():
            seed_identity_card(customer)
            seed_verified_phone(customer)
            customer_services.customer_verify_identity(
                customer=customer, actor=officer, reason="演示：已在网点核对身份证"
            )
            application = applications.application_create(
                actor=customer.user,
                product=product,
                amount=amount,
                term=term,
                method="annuity",
                purpose=product_get_offered(code=product).category,
                **stated,
            )
            applications.application_submit(
                application=application, actor=customer.user, credit_check_consent=True
            )
            application.refresh_from_db()
            risk_services.scoring_request_process(request_id=application.scoring_request_id)
            application.refresh_from_db()
            if application.state == "referred":
                application = applications.application_approve(
                    application=application, actor=officer, reason="演示：人工审核通过"
                )
            if application.state != "approved":
                raise _NotThrough
            return applications.application_accept_offer(
                application=application,
                actor=customer.user,
                consents={"disclosure": True, "credit_contract": True},
                offer_digest=application.offer.get("digest"),
            )
    except (_NotThrough, Invalid, Conflict, Forbidden) as exc:
        logger.info("demo history: %s's application stopped: %r", customer.user.username, exc)
        return None


class _NotThrough(Exception):
    """The application stopped before an accepted offer: rolled back, the loan opens without it."""


def application_disbursed(application: LoanApplication, *, loan, officer) -> LoanApplication:
    """Move the accepted application to disbursed, the simulator's (backdated) loan in its event."""
    with transaction.atomic():
        locked = _lock(application)
        locked.disbursed_at = locked.offer_accepted_at
        return _move(
            locked,
            "disburse",
            actor=officer,
            reason="演示：历史贷款",
            payload={"loan": loan.pk, "loan_number": loan.number, "disbursed_on": loan.start_date},
            fields=("disbursed_at",),
        )


def borrowers_worsen(rng: random.Random, loans: list) -> int:
    """Some borrowers of the loans that came from an application lose their job after the loan
    (see the module): every one in arrears, and `WORSE_SHARE` of the current ones (one at least).
    The new job's years start again and the bureau reports them worse; the borrowers changed."""
    ours = [loan for loan in sorted(loans, key=lambda each: each.pk) if loan.origin_ref.startswith("A")]
    for loan in ours:
        loan.refresh_from_db(fields=["days_past_due", "status"])
    late = [loan for loan in ours if loan.days_past_due > 0]
    current = [loan for loan in ours if loan.days_past_due == 0 and loan.status == "active"]
    worse = late + rng.sample(current, k=min(len(current), max(1, round(len(current) * WORSE_SHARE))))
    for loan in worse:
        customer = loan.customer
        customer.years_employed = 0  # a new job, after losing the one they applied with
        customer.save(update_fields=["years_employed"])
        risk_services.credit_file_upsert(
            id_number=customer.id_number,
            credit_history="critical" if loan.days_past_due >= 90 else "past_delays",
            existing_credits=rng.choice((2, 3, 4)),
            other_installment_plans="bank",
            monthly_debt=Decimal(rng.choice(("3000", "5000", "8000"))),
            note="演示：贷后征信变化",
        )
    return len(worse)
