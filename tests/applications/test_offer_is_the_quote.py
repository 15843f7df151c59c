"""An offer is the quote (issue 12): for every product of the demo catalogue, what the product
page and the quote API promise an applicant (products.quotes.product_quote for their segments,
channel, method, frequency and grace) is the offer to the cent, and the loan opened at
disbursement pins exactly that schedule. Promotions, fee waivers and grace included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from applications import services
from applications.models import LoanApplication, State
from applications.services.offers import offer_build
from demo.products import seed_products
from loanhub import clock, roles
from products import selectors as product_selectors
from products.choices import Segment
from products.quotes import product_quote
from servicing import rules
from servicing.models import CreditLine, Loan
from servicing.selectors import loan_for_origin
from tests.applications.conftest import STRONG, make_customer
from tests.products.factories import UserFactory

CONSENTS = {"disclosure": True, "credit_contract": True}
GRADE = "B"
ROW_FIELDS = ("due_date", "payment", "principal", "interest", "fees", "balance")


@pytest.fixture
def catalogue(db):
    maker = UserFactory(username="pm-maker", role=roles.PRODUCT_MANAGER)
    checker = UserFactory(username="pm-checker", role=roles.PRODUCT_MANAGER)
    seed_products(maker=maker, checker=checker, today=clock.today())
    return {v.product.code: v for v in product_selectors.product_list_active()}


def _request(version) -> dict:
    """What an applicant who fits the product's promises asks for: its representative amount and
    term, in every segment the product or its promotions and waivers name (and new), through
    the channel its promotions name, with the most grace it offers."""
    segments = set(version.segments) | {Segment.NEW_CUSTOMER}
    channel = version.channels[0]
    for promotion in version.promotions.all():
        segments |= set(promotion.segments)
        if promotion.channels:
            channel = promotion.channels[0]
    for fee in version.fees.all():
        segments |= set(fee.waived_for_segments)
    grace = None
    if version.grace_max_periods and version.grace_types:
        grace = {"periods": version.grace_max_periods, "type": version.grace_types[0]}
    return {
        "amount": version.representative_amount,
        "term": version.representative_term,
        "method": version.repayment_methods[0],
        "frequency": version.frequencies[0],
        "channel": channel,
        "segments": sorted(segments),
        "grace": grace,
    }


def _decimal_rows(rows) -> list[tuple]:
    return [
        tuple(str(row[k]) if k == "due_date" else Decimal(str(row[k])) for k in ROW_FIELDS) for row in rows
    ]


def test_the_demo_catalogue_has_the_promises_this_test_is_about(catalogue):
    assert len(catalogue) >= 8
    assert any(v.promotions.exists() for v in catalogue.values())
    assert any(f.waived_for_segments for v in catalogue.values() for f in v.fees.all())
    assert any(v.grace_max_periods for v in catalogue.values())


# The demo products that open an instalment loan; the revolving one (LINE-FLEX) opens a credit
# line instead, whose terms are the offer's limit and rate (its own test below).
LOAN_PRODUCTS = [
    "HOME-LPR",
    "AUTO-EASY",
    "EDU-STAR",
    "TRAVEL-GO",
    "CASH-PLUS",
    "BIZ-OP",
    "BIZ-START",
    "PREMIUM-ELITE",
]
LINE_PRODUCTS = ["LINE-FLEX"]


def test_every_active_demo_product_is_checked_here_as_a_loan_or_a_credit_line(catalogue):
    assert sorted(catalogue) == sorted(LOAN_PRODUCTS + LINE_PRODUCTS)
    revolving = sorted(code for code, v in catalogue.items() if "revolving" in v.repayment_methods)
    assert revolving == LINE_PRODUCTS


def _offer_for(version, code: str):
    """The quote for an applicant who fits the product's promises, and the offer built for them."""
    asked = _request(version)
    # The quote, as the product page and the quote API compute it for this applicant today.
    quote = product_quote(
        version=version,
        amount=asked["amount"],
        term=asked["term"],
        method=asked["method"],
        frequency=asked["frequency"],
        risk_grade=GRADE,
        segments=asked["segments"],
        channel=asked["channel"],
        start_date=clock.today(),
        grace=asked["grace"],
    )
    customer = make_customer(f"applicant-{code.lower()}")
    application = LoanApplication.objects.create(
        customer=customer,
        product_version=version,
        amount=asked["amount"],
        term=asked["term"],
        method=asked["method"],
        frequency=asked["frequency"],
        channel=asked["channel"],
        segments=asked["segments"],
        grace_periods=asked["grace"]["periods"] if asked["grace"] else 0,
        grace_type=asked["grace"]["type"] if asked["grace"] else "",
        state=State.SCORING,
        submitted_at=clock.now(),
        **{**STRONG, "purpose": version.category if version.category != "premium" else "consumer_general"},
    )
    offer = offer_build(application, amount=asked["amount"], term=asked["term"], grade=GRADE)
    return asked, quote, customer, application, offer


def _accept_and_disburse(application, offer, customer, users, asked):
    LoanApplication.objects.filter(pk=application.pk).update(
        state=State.APPROVED, offer=offer, offer_amount=asked["amount"]
    )
    application.refresh_from_db()
    accepted = services.application_accept_offer(
        application=application, actor=customer.user, consents=CONSENTS, offer_digest=offer["digest"]
    )
    return services.application_disburse(
        application=accepted, actor=users["officer"], disbursed_on=clock.today()
    )


@pytest.mark.parametrize("code", LOAN_PRODUCTS)
def test_quote_is_the_offer_is_the_loan_for_every_demo_product(catalogue, users, code):
    version = catalogue[code]
    asked, quote, customer, application, offer = _offer_for(version, code)

    # The offer keeps every promise of the quote, to the cent.
    price, summary = quote.price, quote.schedule.summary
    assert Decimal(offer["annual_rate"]) == price.annual_rate
    assert offer["promotions"] == list(price.promotions_applied)
    assert offer["interest_free_periods"] == quote.engine_terms["interest_free_periods"]
    assert offer["grace"] == (quote.grace and {k: quote.grace[k] for k in quote.grace})
    assert Decimal(offer["apr"]) == summary["apr"]
    assert Decimal(offer["total_cost"]) == quote.total_cost
    assert Decimal(offer["total_fees"]) == summary["total_fees"]
    assert _decimal_rows(offer["schedule"]) == _decimal_rows(quote.schedule.installments)
    # The promises of the catalogue reach the offer: its promotions for these segments and this
    # channel, its fee waivers, its grace.
    promised = {
        p.code
        for p in version.promotions.all()
        if p.applies(on_date=clock.today(), segments=asked["segments"], channel=asked["channel"])
    }
    assert set(offer["promotions"]) == promised
    waived = {f.code for f in version.fees.all() if f.mandatory and f.waived_for_segments}
    assert set(offer["fees_waived"]) == waived
    if asked["grace"]:
        assert offer["grace"]["periods"] == version.grace_max_periods

    # The customer accepts it and the loan pins the same schedule.
    disbursed = _accept_and_disburse(application, offer, customer, users, asked)
    loan = loan_for_origin(str(disbursed))
    rows = [{k: getattr(i, k) for k in ROW_FIELDS} for i in loan.installments.order_by("number")]
    assert _decimal_rows(rows) == _decimal_rows(offer["schedule"])
    assert (loan.annual_rate, loan.total_fees) == (price.annual_rate, summary["total_fees"])
    assert loan.interest_free_periods == offer["interest_free_periods"]


@pytest.mark.parametrize("code", LINE_PRODUCTS)
def test_the_demo_credit_line_opens_at_the_offers_limit_and_rate(catalogue, users, code):
    version = catalogue[code]
    asked, quote, customer, application, offer = _offer_for(version, code)
    assert Decimal(offer["annual_rate"]) == quote.price.annual_rate
    assert offer["method"] == "revolving"
    disbursed = _accept_and_disburse(application, offer, customer, users, asked)
    line = CreditLine.objects.get(origin_ref=str(disbursed))
    assert (line.credit_limit, line.annual_rate, line.principal) == (
        asked["amount"],
        quote.price.annual_rate,
        Decimal("0.00"),
    )
    # Its penalty interest is the product's: the contract rate × 1.5, under the legal cap
    assert line.penalty_rate == rules.penalty_rate(
        annual_rate=line.annual_rate, multiplier=version.penalty_rate_multiplier
    )
    assert not Loan.objects.filter(origin_ref=str(disbursed)).exists()


def test_a_graduate_founders_offer_has_the_graduate_promotion_and_the_grace_they_asked_for(
    catalogue, risk_ready, submit, users
):
    """The bug this issue was filed for: a graduate's BIZ-START quote showed six interest-free
    installments and the offer had none. Here through the real submission, the segments coming
    from the profile (graduated last year, now running their own business)."""
    from tests.applications.conftest import GOOD_ID

    founder = make_customer(
        "founder",
        id_number=GOOD_ID,
        employment_type="self_employed",
        employer="",
        industry="software",
        years_employed=1,
        graduation_year=clock.today().year - 1,
    )
    application = services.application_create(
        actor=founder.user,
        product="BIZ-START",
        amount=Decimal("100000"),
        term=24,
        grace_periods=6,
        grace_type="interest_only",
        **{**STRONG, "purpose": "business_startup"},
    )
    decided = submit(application)
    if decided.state == State.REFERRED:  # a manual review decides the same offer
        decided = services.application_approve(
            application=decided, actor=users["officer"], reason="founder reviewed"
        )
    assert decided.state == State.APPROVED, decided.state
    assert Segment.GRADUATE in decided.segments
    offer = decided.offer
    assert offer["promotions"] == ["grad6free"]
    assert offer["interest_free_periods"] == 6
    assert offer["grace"] == {"periods": 6, "type": "interest_only"}
    quote = product_quote(
        version=catalogue["BIZ-START"],
        amount=Decimal("100000"),
        term=24,
        method=decided.method,
        frequency=decided.frequency,
        risk_grade=offer["risk_grade"],
        segments=decided.segments,
        channel=decided.channel,
        start_date=clock.today(),
        grace={"periods": 6, "type": "interest_only"},
    )
    assert _decimal_rows(offer["schedule"]) == _decimal_rows(quote.schedule.installments)
    assert [Decimal(r["interest"]) for r in offer["schedule"][:6]] == [Decimal("0.00")] * 6
    # Risk weighed the same schedule for debt-to-income: the largest regular payment after the
    # grace, not an installment over the whole term that nobody will pay.
    largest = max(Decimal(r["payment"]) for r in offer["schedule"][:-1])
    assert decided.decision.offer_installment == largest


def _accepted(customer, product, submit, users):
    from tests.applications.conftest import draft

    application = submit(draft(customer, product))
    if application.state == State.REFERRED:
        application = services.application_approve(
            application=application, actor=users["officer"], reason="ok"
        )
    return services.application_accept_offer(
        application=application,
        actor=customer.user,
        consents=CONSENTS,
        offer_digest=application.offer["digest"],
    )


def test_a_later_disbursement_keeps_the_accepted_amounts_and_moves_only_the_due_dates(
    risk_ready, customer, product, submit, users
):
    import datetime as dt

    import time_machine

    accepted = _accepted(customer, product, submit, users)
    offer = accepted.offer
    with time_machine.travel(clock.now() + dt.timedelta(days=1), tick=False):
        disbursed = services.application_disburse(application=accepted, actor=users["officer"])
        loan = loan_for_origin(str(disbursed))
    rows = list(loan.installments.order_by("number"))
    amounts = ("payment", "principal", "interest", "fees")
    assert [[getattr(r, k) for k in amounts] for r in rows] == [
        [Decimal(row[k]) for k in amounts] for row in offer["schedule"]
    ]
    assert rows[0].due_date != dt.date.fromisoformat(offer["schedule"][0]["due_date"])


def test_a_later_disbursement_that_would_change_the_interest_is_refused(
    risk_ready, customer, product, submit, users
):
    import datetime as dt

    import time_machine

    product.day_count = "ACT/365"
    product.save(update_fields=["day_count"])
    accepted = _accepted(customer, product, submit, users)
    # Forty days later the actual-day periods fall in other months: other interest.
    with time_machine.travel(clock.now() + dt.timedelta(days=40), tick=False):
        with pytest.raises(services.ApplicationStateError, match="offer must be renewed"):
            services.application_disburse(application=accepted, actor=users["officer"])
    accepted.refresh_from_db()
    assert accepted.state == State.OFFER_ACCEPTED
    assert loan_for_origin(str(accepted)) is None
