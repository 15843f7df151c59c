"""Scoring requests through the task: idempotency, hooks, failures, shadow scoring, velocity,
no raw identity stored, requeue and retry."""

from __future__ import annotations

import datetime as dt

import pytest

from customers.models import Customer
from loanhub import clock
from loanhub.errors import Conflict, Forbidden
from risk import hooks, services, tasks
from risk.choices import RequestState
from risk.features import FeatureValidationError
from risk.identity import identifier_hash
from risk.models import Decision, ScoreModel, ScoringRequest, ShadowScore
from risk.scorecard.model import ArtifactError
from tests.risk.conftest import GOOD_ID, applicant_features, create_request, scoring_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen = []

    def hook(*, request, decision):
        seen.append((request.pk, request.state, decision.pk if decision else None))

    hooks.register_decision_hook(hook)
    yield seen
    hooks.unregister_decision_hook(hook)


@pytest.fixture
def seeded(champion):
    services.rule_seed_defaults()
    services.credit_file_upsert(
        id_number="110101199001010000",
        credit_history="paid_duly",
        existing_credits=1,
        other_installment_plans="none",
        monthly_debt="500",
    )
    return champion


def _create(terms, id_number=GOOD_ID, **kwargs):
    return create_request(terms, id_number=id_number, **kwargs)


def test_request_is_scored_on_commit_and_hook_called(
    seeded, terms, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms, phone="13800000000")
    request.refresh_from_db()
    decision = Decision.objects.get(request=request)
    assert request.state == RequestState.SCORED
    assert request.customer == scoring_customer()
    assert decision.features["credit_history"] == "paid_duly"  # from the bureau
    assert decision.features["bureau_monthly_debt"] == "500.00"
    assert calls == [(request.pk, RequestState.SCORED, decision.pk)]


def test_duplicate_delivery_writes_one_decision(seeded, terms, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    assert tasks.score_request.apply(args=[request.pk]).get() == RequestState.SCORED
    assert tasks.score_request.apply(args=[request.pk]).get() == RequestState.SCORED
    assert Decision.objects.filter(request=request).count() == 1
    assert len(calls) == 1
    assert request.events.count() == 2  # created, scored


def test_no_bureau_file_is_a_thin_file_and_refers(seeded, terms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms, id_number="110101200001010000")
    decision = Decision.objects.get(request=request)
    assert decision.outcome == "refer"
    assert "THIN_FILE" in {r["code"] for r in decision.rules_fired}


def test_corrupt_artifact_fails_loudly_and_is_retryable(
    seeded, terms, analyst, calls, django_capture_on_commit_callbacks
):
    ScoreModel.objects.filter(pk=seeded.pk).update(artifact=seeded.artifact.replace('"pdo":20', '"pdo":21'))
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    with pytest.raises(ArtifactError, match="does not match"):
        tasks.score_request.apply(args=[request.pk], throw=True)
    request.refresh_from_db()
    assert request.state == RequestState.FAILED
    assert "SHA-256" in request.last_error
    assert not Decision.objects.filter(request=request).exists()  # never approved
    assert calls == [(request.pk, RequestState.FAILED, None)]
    # When the model is repaired, an officer retries and the request is scored.
    ScoreModel.objects.filter(pk=seeded.pk).update(artifact=seeded.artifact)
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_request_retry(request=request, actor=analyst)
    request.refresh_from_db()
    assert request.state == RequestState.SCORED
    assert Decision.objects.filter(request=request).count() == 1


def test_missing_champion_fails_the_request(db, terms, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    with pytest.raises(ArtifactError, match="no champion"):
        tasks.score_request.apply(args=[request.pk], throw=True)
    request.refresh_from_db()
    assert request.state == RequestState.FAILED


def test_only_failed_requests_can_be_retried(seeded, terms, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    with pytest.raises(Conflict) as caught:
        services.scoring_request_retry(request=request, actor=analyst)
    assert caught.value.state == RequestState.SCORED
    request.refresh_from_db()
    assert request.state == RequestState.SCORED
    assert request.events.count() == 2  # created, scored: nothing more


def test_bad_input_creates_no_request(seeded, terms):
    with pytest.raises(FeatureValidationError) as caught:
        _create(terms, features=applicant_features(monthly_income="-1", age=200))
    assert caught.value.errors == {"age": ["must be at most 120"], "monthly_income": ["must be at least 0"]}
    assert ScoringRequest.objects.count() == 0


def test_velocity_over_request_history(seeded, terms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (_create(terms) for _ in range(3))
    assert "VELOCITY_ID" not in {r["code"] for r in second.decision.rules_fired}
    third.refresh_from_db()
    assert "VELOCITY_ID" in {r["code"] for r in third.decision.rules_fired}
    assert third.decision.outcome == "refer"


def test_shared_phone_across_identities(seeded, terms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _create(terms, phone="13800000001")
        other = _create(terms, id_number="110101198505050000", phone="138 0000 0001")
    assert "SHARED_PHONE" in {r["code"] for r in other.decision.rules_fired}


def test_blocklisted_identity_is_declined(seeded, terms, django_capture_on_commit_callbacks):
    services.blocklist_add(identifier="id_number", value="110101199001010000", reason="fraud case 7")
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    assert request.decision.outcome == "decline"


def test_challenger_shadow_scores_without_affecting_decisions(
    seeded, trained, analyst, analyst2, django_capture_on_commit_callbacks
):
    challenger = services.model_register(result=trained, actor=analyst)
    services.model_set_shadow(model=challenger, actor=analyst2, shadow=True)
    from tests.risk.conftest import RATES  # noqa: F401

    with django_capture_on_commit_callbacks(execute=True):
        request = _create(services.ProductTerms.from_json(_terms_json()))
    shadow = ShadowScore.objects.get(request=request, model=challenger)
    assert request.decision.model == seeded
    assert shadow.champion_score == request.decision.score == shadow.score  # same training → same score


def _terms_json():
    from tests.risk.conftest import RATES

    return {
        "product_code": "P",
        "amount_min": "1000",
        "amount_max": "100000",
        "term_min": 6,
        "term_max": 60,
        "grade_rates": {k: str(v) for k, v in RATES.items()},
    }


def test_decision_is_immutable(seeded, terms, django_capture_on_commit_callbacks):
    from risk.models import ImmutableError

    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    decision = request.decision
    decision.score = 999
    with pytest.raises(ImmutableError):
        decision.save()
    with pytest.raises(ImmutableError):
        decision.delete()


def test_no_raw_identifier_is_stored_and_the_worker_asks_the_bureau_with_the_customers_number(
    seeded, terms, django_capture_on_commit_callbacks
):
    # Given a customer with a bureau file, a phone and a device
    customer = scoring_customer(GOOD_ID, phone="13800000009")
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms, device_id="device-42")
    request.refresh_from_db()
    # Then no column and no event of the request holds the raw identity number, phone or device
    values = [str(getattr(request, f.attname)) for f in ScoringRequest._meta.concrete_fields]
    values += [str(e.payload) + e.reason for e in request.events.all()]
    for raw in (GOOD_ID, "13800000009", "device-42"):
        assert not any(raw in value for value in values), raw
    assert request.customer_id == customer.pk
    assert request.id_number_hash == identifier_hash("id_number", GOOD_ID)
    assert request.phone_hash == identifier_hash("phone", "13800000009")
    assert request.device_hash == identifier_hash("device", "device-42")
    # And the decision used the bureau file of the customer's identity number
    assert request.decision.features["bureau_monthly_debt"] == "500.00"


def test_an_identity_number_changed_after_the_request_is_not_sent_to_the_bureau(
    seeded, terms, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    Customer.objects.filter(pk=request.customer_id).update(id_number="110101198505050000")
    assert tasks.score_request.apply(args=[request.pk]).get() == RequestState.INVALID
    request.refresh_from_db()
    assert "identity number changed" in request.last_error
    assert not Decision.objects.filter(request=request).exists()
    assert calls == [(request.pk, RequestState.INVALID, None)]


def test_a_request_without_a_customer_cannot_be_scored(seeded, terms, django_capture_on_commit_callbacks):
    # A request stored before requests referred to their customer (the migration found none)
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    ScoringRequest.objects.filter(pk=request.pk).update(customer=None)
    assert services.scoring_request_process(request_id=request.pk).state == RequestState.INVALID
    request.refresh_from_db()
    assert "no customer" in request.last_error


def test_create_needs_a_customer(seeded, terms):
    with pytest.raises(FeatureValidationError) as caught:
        _create(terms, customer=None)
    assert list(caught.value.errors) == ["customer"]
    assert ScoringRequest.objects.count() == 0


def test_requeue_enqueues_a_pending_request_once_more_and_records_it(
    seeded, terms, django_capture_on_commit_callbacks
):
    # Given a pending request whose message was lost
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    # When it is requeued
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        same = services.scoring_request_requeue(request=request, reason="requeued: stuck in scoring")
    # Then one scoring message is sent on commit, and the request says so
    assert len(callbacks) == 1
    assert same.state == RequestState.PENDING
    note = request.events.order_by("-id").first()
    assert (note.from_state, note.to_state, note.reason) == (
        "pending",
        "pending",
        "requeued: stuck in scoring",
    )
    callbacks[0]()
    request.refresh_from_db()
    assert request.state == RequestState.SCORED


def test_requeue_of_a_request_no_longer_pending_changes_nothing(
    seeded, terms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _create(terms)
    events = request.events.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        same = services.scoring_request_requeue(request=request)
    assert callbacks == []
    assert same.state == RequestState.SCORED
    assert request.events.count() == events


def test_a_loan_officer_may_not_retry_a_failed_request(
    db, terms, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        request = _create(terms)
    with pytest.raises(ArtifactError):
        services.scoring_request_process(request_id=request.pk)  # no champion: failed
    with pytest.raises(Forbidden), django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.scoring_request_retry(request=request, actor=officer)
    assert callbacks == []
    request.refresh_from_db()
    assert request.state == RequestState.FAILED


def test_create_prices_the_product_version_for_the_method_frequency_and_channel(db):
    # Given a product whose app channel has a 0.5 % rate discount in force today
    from products import choices as pc
    from tests.products.factories import PromotionFactory, version_in

    today = clock.today()
    version = version_in(
        pc.ProductStatus.ACTIVE,
        frequencies=["monthly", "quarterly"],
        available_from=today - dt.timedelta(days=30),
    )
    PromotionFactory(
        version=version,
        code="app-half",
        channels=["app"],
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    # When risk is asked to score an equal-principal, quarterly loan through the app, and on the web
    by_app = create_request(
        version, product_version=version, method="equal_principal", frequency="quarterly", channel="app"
    )
    on_web = create_request(version, product_version=version, channel="web")
    # Then it priced the terms itself, for exactly those choices
    terms = by_app.product_terms
    assert (terms["method"], terms["frequency"], terms["start_date"]) == (
        "equal_principal",
        "quarterly",
        today.isoformat(),
    )
    assert (terms["grade_rates"]["A"], terms["grade_promotions"]["A"]) == ("0.03500000", ["app-half"])
    assert (on_web.product_terms["method"], on_web.product_terms["frequency"]) == ("annuity", "monthly")
    assert (on_web.product_terms["grade_rates"]["A"], on_web.product_terms["grade_promotions"]["A"]) == (
        "0.04000000",
        [],
    )
    assert by_app.product_ref == f"{version.product.code}:v{version.version}"


def test_create_refuses_terms_it_cannot_price(db):
    from products import choices as pc
    from tests.products.factories import version_in

    version = version_in(pc.ProductStatus.ACTIVE, available_from=clock.today())
    with pytest.raises(FeatureValidationError) as caught:
        create_request(version, frequency="fortnightly")
    assert caught.value.errors == {"product": ["unknown frequency 'fortnightly'"]}
    assert ScoringRequest.objects.count() == 0
