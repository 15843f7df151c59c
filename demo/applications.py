"""Demo customers and applications in every state, so the officer console is alive on first run.

Each application is driven through the real services (submit, the risk decision, officer
decisions, acceptance, disbursement), so its timeline, decision and loan are what the platform
itself would have produced. Idempotent: customers that already exist are left as they are.
The customers themselves (identity and mobile numbers) come from `demo.customers`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model

from applications import services
from applications.models import LoanApplication
from customers import services as customer_services
from customers.models import Customer
from demo.customers import seed_customer, seed_identity_card, seed_verified_phone
from loanhub import clock
from risk import services as risk_services
from servicing import lines as servicing_lines

STRONG = {
    "purpose": "consumer_auto",
    "checking_balance_band": "no_account",
    "savings_band": "ge_6000",
    "housing": "own",
    "property_type": "real_estate",
    "guarantor": "none",
}

# username, legal name, born, KYC verified, monthly income, bureau history (None: thin file),
# and the path its application takes.
DEMO_CUSTOMERS = (
    ("customer", "张明 Zhang Ming", dt.date(1988, 3, 14), True, "32000", "paid_duly", "disbursed+approved"),
    ("demo-wang", "王芳 Wang Fang", dt.date(1990, 7, 2), True, "28000", "paid_duly", "offer_accepted"),
    ("demo-li", "李强 Li Qiang", dt.date(1985, 11, 23), False, "26000", "all_paid", "referred"),
    ("demo-zhao", "赵磊 Zhao Lei", dt.date(1992, 5, 9), True, "26000", "paid_duly", "declined"),
    ("demo-chen", "陈静 Chen Jing", dt.date(1987, 1, 30), True, "30000", "paid_duly", "withdrawn"),
    ("demo-liu", "刘洋 Liu Yang", dt.date(1991, 9, 17), True, "30000", "paid_duly", "offer_declined"),
    ("demo-sun", "孙丽 Sun Li", dt.date(1989, 4, 4), True, "30000", "paid_duly", "offer_expired"),
    ("demo-zhou", "周杰 Zhou Jie", dt.date(1993, 12, 1), True, "30000", None, "referred"),
    ("demo-wu", "吴敏 Wu Min", dt.date(1986, 6, 21), True, "30000", "paid_duly", "draft"),
    ("demo-lin", "林悦 Lin Yue", dt.date(1990, 2, 18), True, "30000", "paid_duly", "credit_line"),
)
PRODUCT = "CASH-PLUS"
LINE_PRODUCT = "LINE-FLEX"  # the revolving product: its disbursement opens a credit line


def _scored(application: LoanApplication, actor) -> LoanApplication:
    """Submit and run the risk decision now (the queued task finds it decided and does nothing).
    Submission asks for an identity card on file and a verified phone: the demo customer has both."""
    seed_identity_card(application.customer)
    seed_verified_phone(application.customer)
    services.application_submit(application=application, actor=actor, credit_check_consent=True)
    application.refresh_from_db()
    risk_services.scoring_request_process(request_id=application.scoring_request_id)
    application.refresh_from_db()
    return application


def _apply(customer: Customer, product: str = PRODUCT, **fields) -> LoanApplication:
    data = {"amount": Decimal("80000"), "term": 24, "method": "annuity", **STRONG, **fields}
    return services.application_create(actor=customer.user, product=product, **data)


def _open_credit_line(customer: Customer, *, officer) -> None:
    """A 50,000 credit line (LINE-FLEX) approved, accepted and opened, with 8,000 drawn, so the
    customer can draw and repay from the portal (/credit-lines/<id>/) and the API."""
    actor = customer.user
    terms = {"amount": Decimal("50000"), "term": 12, "method": "revolving", "purpose": "consumer_general"}
    application = _apply(customer, LINE_PRODUCT, **terms)
    application = _scored(application, actor)
    if application.state == "referred":
        application = services.application_approve(
            application=application, actor=officer, reason="演示：收入稳定，信用记录良好"
        )
    if application.state != "approved":  # the risk decision is the model's: no line without it
        return
    accepted = services.application_accept_offer(
        application=application,
        actor=actor,
        consents={"disclosure": True, "credit_contract": True},
        offer_digest=application.offer.get("digest"),
    )
    disbursed = services.application_disburse(application=accepted, actor=officer, reason="演示")
    line = servicing_lines.credit_lines_of_user(actor).get(origin_ref=str(disbursed))
    servicing_lines.credit_line_draw(line=line, amount=Decimal("8000.00"), actor=actor)


DEMO_POINTS = 300  # the reward points of the customer who withdraws after accepting
DEMO_REDEEMED = 200


def _accept_with_points(application: LoanApplication) -> LoanApplication:
    """The customer accepts the offer spending 200 of her 300 reward points (a referral reward,
    written as marketing.rewards writes one: the demo has no referee to pay out first); her
    withdrawal before the payout then refunds them to the lot they came from (rewards page)."""
    from marketing.rewards import services as rewards
    from marketing.rewards.models import EntryKind, PointsEntry

    account = rewards.account_for(customer_id=application.customer_id)
    PointsEntry.objects.get_or_create(
        key=f"demo:referral:{application.customer_id}",
        defaults={
            "account": account,
            "kind": EntryKind.EARN_REFERRAL,
            "points": DEMO_POINTS,
            "effective_on": clock.today(),
            "expires_on": clock.today() + dt.timedelta(days=settings.LOANHUB_POINTS_EXPIRY_DAYS),
        },
    )
    return services.application_accept_offer(
        application=application,
        actor=application.customer.user,
        consents={"disclosure": True, "credit_contract": True},
        offer_digest=application.offer.get("digest"),
        redeem_points=DEMO_REDEEMED,
    )


def seed_applications(*, officer, senior, password: str) -> int:
    """Create the demo customers and walk each application to its state; returns how many."""
    created = 0
    for index, (username, name, born, verified, income, history, path) in enumerate(DEMO_CUSTOMERS, start=1):
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and Customer.objects.filter(user=user).exists():
            continue
        customer = seed_customer(index, username, name, born, income, password)
        if history is not None:
            risk_services.credit_file_upsert(
                id_number=customer.id_number,
                credit_history=history,
                existing_credits=1,
                other_installment_plans="none",
                monthly_debt=Decimal("800"),
            )
        if path == "declined":  # an identity on the internal blocklist: a hard decline by risk
            risk_services.blocklist_add(
                identifier="id_number",
                value=customer.id_number,
                reason="演示：已确认的欺诈案件",
                actor=officer,
            )
        if verified:
            seed_identity_card(customer)
            customer_services.customer_verify_identity(
                customer=customer, actor=officer, reason="演示：已在网点核对身份证"
            )
        actor = customer.user
        if path == "draft":
            _apply(customer)
        elif path == "credit_line":
            _open_credit_line(customer, officer=officer)
        elif path == "disbursed+approved":
            first = _scored(_apply(customer, amount=Decimal("60000"), term=12), actor)
            services.application_accept_offer(
                application=first,
                actor=actor,
                consents={"disclosure": True, "credit_contract": True},
                offer_digest=first.offer.get("digest"),
            )
            services.application_disburse(application=first, actor=officer, reason="演示")
            _scored(_apply(customer), actor)
        else:
            application = _scored(_apply(customer), actor)
            if path == "offer_accepted":
                services.application_accept_offer(
                    application=application,
                    actor=actor,
                    consents={"disclosure": True, "credit_contract": True},
                    offer_digest=application.offer.get("digest"),
                )
            elif path == "withdrawn":
                if application.state == "referred":
                    application = services.application_approve(
                        application=application, actor=officer, reason="演示：收入稳定"
                    )
                if application.state == "approved":  # accepted with reward points, then withdrawn
                    application = _accept_with_points(application)
                services.application_withdraw(
                    application=application, actor=actor, reason="找到了更便宜的贷款"
                )
            elif path == "offer_declined":
                services.application_decline_offer(application=application, actor=actor, reason="计划有变")
            elif path == "offer_expired":
                LoanApplication.objects.filter(pk=application.pk).update(
                    offer_expires_at=clock.now() - dt.timedelta(minutes=1)
                )
                services.offers_expire()
        created += 1
    return created


__all__ = ["DEMO_CUSTOMERS", "seed_applications"]
