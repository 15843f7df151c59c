"""From draft to disbursed through the real risk worker (in-process): the decision hook, the
identity rule, submission checks, the offer, acceptance, disbursement and product versioning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from applications import services
from applications.models import ApplicationEvent, LoanApplication, State
from customers import services as customer_services
from customers.models import Consent
from loanhub import clock
from products import services as product_services
from products.pricing import price_for
from risk import services as risk_services
from risk.identity import identifier_hash
from risk.models import Decision, ScoringRequest
from tests.applications.conftest import draft, make_customer
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
CONSENTS = {"disclosure": True, "credit_contract": True}


def _trail(application):
    return [
        (e.from_state, e.to_state, e.actor.username if e.actor else None)
        for e in ApplicationEvent.objects.filter(application=application).order_by("created_at", "id")
    ]


def test_strong_verified_applicant_is_approved_automatically_with_a_priced_offer(
    risk_ready, customer, product, submit
):
    # Given a verified customer with a clean bureau file and a draft
    application = draft(customer, product)
    # When the customer submits and risk scores it
    application = submit(application)
    # Then it is approved by the hook with the decision and an offer priced by the grid
    decision = Decision.objects.get(request__requester_ref=f"applications.LoanApplication:{application.pk}")
    assert application.state == State.APPROVED
    assert application.decision == decision
    assert decision.outcome == "approve"
    assert application.risk_grade == decision.grade
    assert application.max_amount == decision.approved_limit == Decimal("50000.00")
    assert application.max_term == 24
    grid = price_for(product, grade=decision.grade, term=24, on_date=timezone.localdate()).annual_rate
    assert application.offer_rate == grid == decision.offer_rate
    assert Decimal(application.offer["annual_rate"]) == grid
    assert application.offer_amount == Decimal("50000.00")
    assert application.offer_term == 24
    assert application.offer_apr == Decimal(application.offer["apr"])
    assert application.offer_installment == Decimal(application.offer["installment"])
    assert len(application.offer["schedule"]) == 24
    assert application.offer_expires_at == application.approved_at + dt.timedelta(days=14)
    assert application.credit_check_consent_at is not None
    assert Consent.objects.filter(customer=customer, withdrawn_at__isnull=True).count() == 1
    # And every step is an event: who, from, to (the system decides, the customer submits)
    assert _trail(application) == [
        ("", State.DRAFT, "alice"),
        (State.DRAFT, State.SUBMITTED, "alice"),
        (State.SUBMITTED, State.SCORING, "alice"),
        (State.SCORING, State.SCORED, None),
        (State.SCORED, State.APPROVED, None),
    ]
    scored = application.events.get(to_state=State.SCORED)
    assert scored.payload["decision"] == decision.pk
    assert application.events.get(to_state=State.APPROVED).reason == "approved automatically"


def test_offer_expiry_follows_the_setting(risk_ready, customer, product, submit, settings):
    settings.LOANHUB_OFFER_EXPIRY_DAYS = 3
    application = submit(draft(customer, product))
    assert application.offer_expires_at == application.approved_at + dt.timedelta(days=3)


def test_unverified_identity_is_referred_never_declined_and_cannot_be_approved(
    risk_ready, product, submit, users
):
    # Given a customer whose identity is not verified yet (the card is on file: submission asks
    # for it; an approval without one is refused, tests/applications/test_pages.py)
    customer = make_customer("carol", kyc="unverified")
    application = submit(draft(customer, product))
    # Then risk's identity rule refers it to an officer (not declined)
    assert application.state == State.REFERRED
    assert "IDV_PENDING" in {r["code"] for r in application.decision.reasons}
    assert application.offer_expires_at is None  # a proposal, not an offer yet
    # When an officer tries to approve, the verification is what is missing
    with pytest.raises(
        services.ApplicationStateError, match=r"identity is not verified \(KYC status: Unverified\)"
    ):
        services.application_approve(application=application, actor=users["officer"], reason="looks fine")
    # Then nothing changed
    application.refresh_from_db()
    assert application.state == State.REFERRED
    assert application.events.filter(actor=users["officer"]).count() == 0
    # When the identity is verified, the officer can approve
    customer_services.customer_verify_identity(customer=customer, actor=users["officer2"], reason="ID seen")
    approved = services.application_approve(application=application, actor=users["officer"], reason="ID ok")
    assert approved.state == State.APPROVED
    assert approved.approved_by == users["officer"]


def test_rejected_identity_alone_refers_instead_of_declining(risk_ready, product, submit):
    customer = make_customer("dave", kyc="rejected")
    application = submit(draft(customer, product))
    decision = application.decision
    assert decision.outcome == "decline"  # risk declined for the identity alone
    assert {r["code"] for r in decision.rules_fired if r["outcome"] == "decline"} == {"IDV_REJECTED"}
    assert application.state == State.REFERRED
    assert application.events.get(to_state=State.REFERRED).reason.startswith("identity not verified")


def test_blocklisted_identity_is_declined_with_the_rule_reason(risk_ready, customer, product, submit):
    risk_services.blocklist_add(identifier="id_number", value=customer.id_number, reason="fraud")
    application = submit(draft(customer, product))
    assert application.state == State.DECLINED
    assert application.offer == {}
    event = application.events.get(to_state=State.DECLINED)
    assert event.actor is None
    assert "blocklist" in event.reason


def test_submit_needs_consent_and_the_stated_facts_and_saves_nothing_otherwise(
    risk_ready, customer, product, django_capture_on_commit_callbacks
):
    application = draft(customer, product, housing="", savings_band="")
    with pytest.raises(services.ApplicationValidationError) as caught:
        services.application_submit(application=application, actor=customer.user)
    assert set(caught.value.errors) == {"credit_check_consent", "housing", "savings_band"}
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert application.submitted_at is None
    assert application.events.count() == 1
    assert ScoringRequest.objects.count() == 0
    assert Consent.objects.count() == 0


@pytest.mark.parametrize(
    ("profile", "field", "message"),
    [
        ({"date_of_birth": dt.date(1950, 1, 1)}, "age", "age at application must be between 18 and 60"),
        ({"monthly_income": Decimal("2000.00")}, "monthly_income", "monthly income must be at least 3000.00"),
        ({"customer_type": "small_business"}, "customer_type", "open only to"),
        ({"employment_type": "unemployed"}, "employment_type", "open only to salaried, self-employed"),
        ({"employment_type": "retired"}, "employment_type", "open only to"),
        ({"monthly_debt": Decimal("20000.00")}, "dti", "debt-to-income after the loan would be"),
    ],
)
def test_ineligible_customer_gets_the_rule_reason_on_the_field(risk_ready, product, profile, field, message):
    customer = make_customer("erin", **profile)
    application = draft(customer, product)
    with pytest.raises(services.ApplicationValidationError) as caught:
        services.application_submit(application=application, actor=customer.user, credit_check_consent=True)
    assert field in caught.value.errors
    assert any(message in m for m in caught.value.errors[field])
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert ScoringRequest.objects.count() == 0
    assert Consent.objects.count() == 0


def test_limits_are_those_of_the_exact_version(customer, product):
    with pytest.raises(services.ApplicationValidationError) as caught:
        draft(customer, product, amount=Decimal("600000"), term=70, method="bullet")
    assert caught.value.errors["amount"] == ["must be between 10000.00 and 500000.00 for product CASH"]
    assert caught.value.errors["term"] == ["must be between 6 and 60 for product CASH"]
    assert caught.value.errors["method"] == ["must be one of annuity, equal_principal for product CASH"]
    assert LoanApplication.objects.count() == 0


def test_a_draft_without_customer_profile_is_refused(product, users):
    with pytest.raises(services.ApplicationValidationError) as caught:
        services.application_create(
            actor=users["marketing"], product="CASH", amount=Decimal("50000"), term=24
        )
    assert list(caught.value.errors) == ["customer"]


def test_accepting_stores_the_disclosure_as_shown_and_disbursing_opens_the_loan(
    risk_ready, customer, product, submit, users
):
    from servicing.selectors import loan_for_origin

    application = submit(draft(customer, product))
    shown = dict(application.offer)
    # Consents must be ticked
    with pytest.raises(services.ApplicationValidationError, match="credit_contract"):
        services.application_accept_offer(
            application=application, actor=customer.user, consents={"disclosure": True}
        )
    # An offer the customer did not see is refused
    with pytest.raises(services.ApplicationStateError, match="offer changed"):
        services.application_accept_offer(
            application=application, actor=customer.user, consents=CONSENTS, offer_digest="0" * 64
        )
    accepted = services.application_accept_offer(
        application=application, actor=customer.user, consents=CONSENTS, offer_digest=shown["digest"]
    )
    accepted.refresh_from_db()
    assert accepted.state == State.OFFER_ACCEPTED
    assert accepted.disclosure["offer"] == shown
    assert accepted.disclosure["consents"] == CONSENTS
    for key in ("amount", "annual_rate", "apr", "total_cost", "schedule", "fees", "prepayment", "penalty"):
        assert key in accepted.disclosure["offer"]
    # When an officer disburses
    disbursed = services.application_disburse(
        application=accepted, actor=users["officer"], disbursed_on=clock.today()
    )
    # Then the loan is open with the accepted terms, in the same step
    loan = loan_for_origin(str(disbursed))
    assert disbursed.state == State.DISBURSED
    assert loan is not None
    assert loan.principal == Decimal("50000.00")
    assert loan.annual_rate == Decimal(shown["annual_rate"])
    assert loan.term == shown["installments"]
    event = disbursed.events.get(to_state=State.DISBURSED)
    assert (event.actor, event.payload["loan"]) == (users["officer"], loan.pk)
    # And a second disbursement is a 409, not a second loan
    with pytest.raises(services.ApplicationStateError, match="cannot disburse"):
        services.application_disburse(application=disbursed, actor=users["officer"])


def test_disbursement_rolls_back_when_servicing_refuses(risk_ready, customer, product, submit, users):
    application = submit(draft(customer, product))
    services.application_accept_offer(application=application, actor=customer.user, consents=CONSENTS)
    LoanApplication.objects.filter(pk=application.pk).update(
        offer={**application.offer, "engine_terms": {**application.offer["engine_terms"], "bogus": 1}}
    )
    with pytest.raises(services.ApplicationStateError, match="servicing refused"):
        services.application_disburse(application=application, actor=users["officer"])
    application.refresh_from_db()
    assert application.state == State.OFFER_ACCEPTED
    assert application.disbursed_at is None


def test_a_new_product_version_changes_none_of_an_existing_applications_terms(
    risk_ready, customer, product, submit, users
):
    # Given an approved application under version 1, and a referred one (thin bureau file)
    approved = submit(draft(customer, product))
    referred = submit(draft(make_customer("frank"), product))
    assert referred.state == State.REFERRED
    before = LoanApplication.objects.get(pk=approved.pk)
    v1_rate = price_for(product, grade=referred.risk_grade, term=24, on_date=timezone.localdate()).annual_rate
    # When the product is edited (every grid rate and the limits) and version 2 activated
    pm, pm2 = (
        UserFactory(username="pm", role="Product Manager"),
        UserFactory(username="pm2", role="Product Manager"),
    )
    v2 = product_services.product_new_version(product=product.product, actor=pm)
    product_services.product_version_update(
        version=v2,
        actor=pm,
        terms={"amount_min": Decimal("60000.00")},
        pricing_grid=[
            {
                "risk_grade": g,
                "term_min": 6,
                "term_max": 60,
                "annual_rate": Decimal("0.11"),
                "spread_bps": None,
            }
            for g in "ABCDE"
        ],
    )
    product_services.product_submit_for_review(version=v2, actor=pm)
    product_services.product_approve(version=v2, actor=pm2, on_date=timezone.localdate())
    product.refresh_from_db()
    assert product.status == "retired"
    # Then the approved application keeps its version and every term of its offer
    after = LoanApplication.objects.get(pk=approved.pk)
    assert after.product_version_id == before.product_version_id == product.pk
    assert after.offer == before.offer
    assert (after.offer_amount, after.offer_rate, after.offer_apr, after.offer_total_cost) == (
        before.offer_amount,
        before.offer_rate,
        before.offer_apr,
        before.offer_total_cost,
    )
    assert services.engine_terms(after) == services.engine_terms(before)
    # And an officer's approval of the referred one is still priced by version 1's grid
    officer_approved = services.application_approve(application=referred, actor=users["officer"], reason="ok")
    assert officer_approved.product_version_id == product.pk
    assert officer_approved.offer_rate == v1_rate != Decimal("0.11")
    # And it can still be accepted and disbursed under version 1
    services.application_accept_offer(
        application=officer_approved, actor=referred.customer.user, consents=CONSENTS
    )
    disbursed = services.application_disburse(application=officer_approved, actor=users["officer"])
    assert disbursed.state == State.DISBURSED


def test_a_decision_for_an_unknown_or_stale_request_changes_nothing(risk_ready, customer, product, submit):
    application = submit(draft(customer, product))
    count = application.events.count()
    # The same decision delivered again (application no longer scoring) is ignored
    services.application_apply_decision(request=application.scoring_request, decision=application.decision)
    # A request of someone else (risk's own tests, batch scoring) is ignored
    other = ScoringRequest(pk=10**9, requester_ref="risk.batch:1")
    services.application_apply_decision(request=other, decision=None)
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert application.events.count() == count


def test_amount_above_the_products_auto_approval_limit_is_referred(risk_ready, customer, submit):
    from products import choices as pc
    from tests.products.factories import version_in

    version = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CAPPED",
        channels=["web"],
        repayment_methods=["annuity"],
        frequencies=["monthly"],
        available_from=clock.today() - dt.timedelta(days=30),
        max_dti=Decimal("0.5"),
        auto_approve_limit=Decimal("40000.00"),
    )
    application = submit(draft(customer, version, amount=Decimal("50000")))
    assert application.state == State.REFERRED
    assert "AUTO_APPROVE_LIMIT" in {reason["code"] for reason in application.decision.reasons}
    small = submit(draft(customer, version, amount=Decimal("30000")))
    assert small.state == State.APPROVED


def test_total_exposure_per_customer_and_product_is_capped_at_submission(customer, product, submit):
    from applications.services import ApplicationValidationError

    product.max_exposure_per_customer = Decimal("100000.00")
    product.save(update_fields=["max_exposure_per_customer"])
    first = draft(customer, product, amount=Decimal("70000"))
    LoanApplication.objects.filter(pk=first.pk).update(state=State.DISBURSED, offer_amount=Decimal("70000"))
    second = draft(customer, product, amount=Decimal("40000"))
    with pytest.raises(ApplicationValidationError) as refused:
        services.application_submit(application=second, actor=customer.user, credit_check_consent=True)
    assert "at most 30000.00 more" in refused.value.errors["amount"][0]
    second.refresh_from_db()
    assert second.state == State.DRAFT
    LoanApplication.objects.filter(pk=first.pk).update(state=State.WITHDRAWN)  # no longer counts
    services.application_submit(application=second, actor=customer.user, credit_check_consent=True)
    second.refresh_from_db()
    assert second.state != State.DRAFT


def test_scorecard_alone_never_approves_above_the_senior_approval_amount(
    risk_ready, customer, product, submit, settings
):
    settings.LOANHUB_SENIOR_APPROVAL_AMOUNT = Decimal("40000")
    application = submit(draft(customer, product, amount=Decimal("50000")))
    assert application.state == State.REFERRED
    assert "two people" in application.events.get(to_state=State.REFERRED).reason


def test_risk_prices_the_applications_own_choices_and_keeps_no_raw_identity(
    risk_ready, customer, product, submit
):
    # Given a draft for equal-principal repayments every quarter, made in the app
    application = draft(customer, product, method="equal_principal", frequency="quarterly", channel="app")
    # When it is submitted
    application = submit(application)
    # Then risk priced those choices itself and refers to the customer by reference and hashes only
    request = application.scoring_request
    terms = request.product_terms
    assert (terms["method"], terms["frequency"], terms["version_ref"]) == (
        "equal_principal",
        "quarterly",
        "CASH:v1",
    )
    assert request.customer_id == customer.pk
    assert request.id_number_hash == identifier_hash("id_number", customer.id_number)
    assert request.phone_hash == identifier_hash("phone", customer.phone)
    assert not hasattr(request, "identity")
