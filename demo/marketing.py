"""Demo marketing: consenting demo customers, a finished A/B campaign with touches and conversions,
and a running pilot of a product promotion on its own (half of the salaried customers, stable).

Idempotent: nothing is written when the demo campaign exists. The campaign is launched through
the service (consent checked, messages sent through notifications), then its dates are moved
before the demo applications so that their submissions count as its conversions.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min

from applications.models import LoanApplication
from customers import marketing_consent
from customers.models import Customer
from loanhub import clock
from marketing import pilots, services
from marketing.models import (
    Attribution,
    Campaign,
    PilotMember,
    PromotionPilot,
    Recipient,
    Segment,
    Touch,
    TouchKind,
)

CAMPAIGN = "Demo: spring salaried offer"
PILOT = "Demo: app interest-free offer, half of the salaried"


def seed_marketing(*, manager, usernames: list[str]) -> Campaign | None:
    if Campaign.objects.filter(name=CAMPAIGN).exists():
        return None
    services.presets_ensure()
    customers = list(Customer.objects.filter(user__username__in=usernames).order_by("id"))
    # Two customers decline marketing: the campaign must not reach them.
    for customer in customers[2:]:
        marketing_consent.marketing_consent_set(
            customer=customer, actor=customer.user, choices={"email": True, "portal": True}
        )
    campaign = services.campaign_create(
        actor=manager,
        name=CAMPAIGN,
        segment=Segment.objects.get(preset="salaried"),
        channels=["portal", "email"],
        subject_zh="春季工薪贷优惠",
        subject_en="Spring offer for salaried customers",
        # Arm A personalised (the recommended product and what it costs this customer), B not.
        template_zh="{{ name }}，您好！春季工薪贷限时优惠，为您推荐{{ product }}：{{ cost }}。{{ link }}",
        template_en=(
            "Dear {{ name }}, our spring offer for salaried customers: {{ product }}, {{ cost }}. {{ link }}"
        ),
        experiment_arms=[
            {"name": "A"},
            {
                "name": "B",
                "template_zh": "{{ name }}，您已获得专属额度，立即查看：{{ link }}",
                "template_en": "Dear {{ name }}, a limit is waiting for you: {{ link }}",
            },
        ],
        cost="1200.00",
    )
    services.campaign_launch(campaign=campaign, actor=manager)
    first_submission = LoanApplication.objects.filter(
        customer__in=customers, submitted_at__isnull=False
    ).aggregate(first=Min("submitted_at"))["first"]
    launched_at = (first_submission or clock.now()) - dt.timedelta(days=2)
    Campaign.objects.filter(pk=campaign.pk).update(launched_at=launched_at)
    Recipient.objects.filter(campaign=campaign).update(reached_at=launched_at)
    # Half of the recipients clicked the link a day later.
    for recipient in Recipient.objects.filter(campaign=campaign).order_by("id")[::2]:
        Touch.objects.create(
            customer_id=recipient.customer_id,
            kind=TouchKind.LANDING,
            channel="web",
            campaign=campaign,
            utm_source="portal",
            utm_medium="campaign",
            utm_campaign=campaign.code,
            occurred_at=launched_at + dt.timedelta(days=1),
        )
    # Those who applied asked for a quote on the product page first (the funnel's "quoted").
    quoted = LoanApplication.objects.filter(customer__in=customers, submitted_at__isnull=False)
    for customer_id, product_code in quoted.values_list("customer_id", "product_version__product__code"):
        if Recipient.objects.filter(campaign=campaign, customer_id=customer_id).exists():
            Touch.objects.create(
                customer_id=customer_id,
                kind=TouchKind.QUOTE,
                channel="web",
                campaign=campaign,
                utm_campaign=product_code,
                occurred_at=launched_at + dt.timedelta(days=1, hours=1),
            )
    # The demo applications were submitted before the campaign existed: snapshot their
    # attribution now, with the backdated touches.
    for application in LoanApplication.objects.filter(customer__in=customers, submitted_at__isnull=False):
        Attribution.objects.filter(application=application).delete()
        services.attribution_record(application=application)
    return campaign


def seed_pilot(*, manager) -> PromotionPilot | None:
    """TRAVEL-GO's app3free promotion piloted to a stable half of the salaried customers (a random
    control), started through the service and dated a week back so the funnel counts the quotes
    asked since. Idempotent: nothing is written when the demo pilot exists."""
    if PromotionPilot.objects.filter(name=PILOT).exists():
        return None
    services.presets_ensure()
    pilot = pilots.promotion_pilot_create(
        actor=manager,
        name=PILOT,
        product_code="TRAVEL-GO",
        promotion_code="app3free",
        segment=Segment.objects.get(preset="salaried"),
        share=50,
    )
    pilot = pilots.promotion_pilot_start(pilot=pilot, actor=manager)
    started_at = clock.now() - dt.timedelta(days=7)
    PromotionPilot.objects.filter(pk=pilot.pk).update(started_at=started_at)
    PilotMember.objects.filter(pilot=pilot).update(assigned_at=started_at)
    return pilot
