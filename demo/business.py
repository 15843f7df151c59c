"""Demo business customers (a sole proprietor and a small business) with business data, each with
an application for the business operating loan referred for the qualitative assessment; the small
business's has been assessed by the officer (rated, priced by its grade, awaiting approval), the
sole proprietor's waits for the officer's assessment. Idempotent like `demo.applications`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from applications import services
from customers import services as customer_services
from customers.business import business_profile_put
from customers.models import Customer
from demo.applications import STRONG, _scored
from demo.customers import seed_customer, seed_identity_card
from risk import services as risk_services

D = Decimal
PRODUCT = "BIZ-OP"
ANSWERS = {
    "management_experience": "3_10y",
    "industry_outlook": "stable",
    "market_position": "average",
    "relationship_history": "new",
    "site_visit": "consistent",
}
# username, index, legal name, born, customer type, credit code, business data, assessed
BUSINESS_DEMO_CUSTOMERS = (
    (
        "demo-ma",
        31,
        "马兰 Ma Lan (兰州牛肉面馆)",
        dt.date(1984, 8, 8),
        "sole_proprietor",
        "",
        {
            "annual_revenue": D("860000.00"),
            "annual_revenue_previous": D("790000.00"),
            "net_profit": D("150000.00"),
            "net_profit_previous": D("132000.00"),
            "total_assets": D("420000.00"),
            "total_liabilities": D("160000.00"),
            "years_trading": 6,
            "industry": "H",
            "tax_rating": "B",
            "employees": 5,
        },
        False,
    ),
    (
        "demo-he",
        32,
        "何伟 He Wei (北京何氏精密机械有限公司)",
        dt.date(1979, 2, 18),
        "small_business",
        "91110105MA0100001L",
        {
            "annual_revenue": D("6400000.00"),
            "annual_revenue_previous": D("5900000.00"),
            "net_profit": D("420000.00"),
            "net_profit_previous": D("380000.00"),
            "total_assets": D("5200000.00"),
            "total_liabilities": D("2900000.00"),
            "years_trading": 11,
            "industry": "C",
            "tax_rating": "A",
            "employees": 38,
        },
        True,
    ),
)


def seed_business_customers(*, officer, password: str) -> int:
    """Create the demo business customers and their referred applications; returns how many."""
    created = 0
    for username, index, name, born, kind, credit_code, facts, assessed in BUSINESS_DEMO_CUSTOMERS:
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and Customer.objects.filter(user=user).exists():
            continue
        customer = seed_customer(index, username, name, born, "60000", password)
        Customer.objects.filter(pk=customer.pk).update(
            customer_type=kind,
            uscc=credit_code,
            employment_type="business_owner",
            employer="",
            industry="",
            years_employed=facts["years_trading"],
            annual_revenue=facts["annual_revenue"],
        )
        customer.refresh_from_db()
        risk_services.credit_file_upsert(
            id_number=customer.id_number,
            credit_history="paid_duly",
            existing_credits=1,
            other_installment_plans="none",
            monthly_debt=D("2000"),
        )
        seed_identity_card(customer)
        customer_services.customer_verify_identity(
            customer=customer, actor=officer, reason="演示：已在网点核对营业执照和身份证"
        )
        business_profile_put(customer=customer, actor=customer.user, data=facts)
        application = services.application_create(
            actor=customer.user,
            product=PRODUCT,
            amount=D("200000"),
            term=12,
            method="annuity",
            **{**STRONG, "purpose": "business_operating"},
        )
        application = _scored(application, customer.user)
        if assessed:
            services.application_assess_business(application=application, actor=officer, answers=ANSWERS)
        created += 1
    return created


__all__ = ["BUSINESS_DEMO_CUSTOMERS", "seed_business_customers"]
