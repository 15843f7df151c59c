"""Human review of an automated decline (PIPL arts. 24 and 55): the customer asks once per
decision (API with Idempotency-Key, and the status page), an officer — a person, not one who
decided it — upholds or overturns it, and the customer is told the outcome and the explanation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from applications import selectors, services
from applications.models import ApplicationEvent, ReviewOutcome, ReviewRequest, State
from risk import services as risk_services
from tests.applications.conftest import draft, in_state, make_customer

pytestmark = pytest.mark.django_db
URL = "/api/v1/applications/{}/request-review/"


@pytest.fixture
def declined(risk_ready, customer, product, submit):
    """An application declined by risk alone (the identity is on the blocklist)."""
    risk_services.blocklist_add(identifier="id_number", value=customer.id_number, reason="fraud")
    application = submit(draft(customer, product))
    assert application.state == State.DECLINED
    return application


def _client(user=None, language="en"):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client


def _request(application, reason="My income has risen since; please look again."):
    return services.application_request_review(
        application=application, actor=application.customer.user, reason=reason
    )


# --- the customer's request -------------------------------------------------------------------
def test_the_customer_asks_for_a_review_of_an_automated_decline(declined):
    assert "request-review" in selectors.application_allowed_actions(
        application=declined, user=declined.customer.user
    )
    review = _request(declined)
    declined.refresh_from_db()
    assert declined.state == State.REVIEW_REQUESTED
    assert (review.decision_id, review.reviewed_state, review.outcome) == (
        declined.decision_id,
        "declined",
        "",
    )
    event = declined.events.order_by("-id").first()
    assert (event.actor, event.from_state, event.to_state) == (
        declined.customer.user,
        State.DECLINED,
        State.REVIEW_REQUESTED,
    )
    assert event.reason == "My income has risen since; please look again."
    assert event.payload == {"review_request": review.pk, "decision": declined.decision_id}


def test_a_second_request_for_the_same_decision_is_a_conflict(declined, users):
    _request(declined)
    with translation.override("en"), pytest.raises(services.ApplicationStateError, match="already asked"):
        _request(declined, reason="again")
    services.review_decide(
        review=ReviewRequest.objects.get(), actor=users["officer"], outcome="upheld", explanation="Checked."
    )
    events = ApplicationEvent.objects.filter(application=declined).count()
    with translation.override("en"), pytest.raises(services.ApplicationStateError, match="reviewed once"):
        _request(declined, reason="and again")
    assert ReviewRequest.objects.count() == 1
    assert ApplicationEvent.objects.filter(application=declined).count() == events


def test_a_decline_by_a_person_is_not_reviewable(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    services.application_decline(application=application, actor=users["officer"], reason="no")
    application.refresh_from_db()
    with translation.override("en"), pytest.raises(services.ApplicationStateError, match="by a person"):
        _request(application)
    assert application.state == State.DECLINED
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize("state", [State.APPROVED, State.REFERRED, State.WITHDRAWN, State.DISBURSED])
def test_only_a_decline_is_reviewable(state, customer, product):
    application = in_state(state, customer, product)
    with pytest.raises(services.ApplicationStateError) as caught:
        _request(application)
    assert caught.value.state == state
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize(
    ("reason", "message"),
    [("  ", "this field is required"), ("bell\x07", "control characters"), ("x" * 1001, "at most 1000")],
    ids=["blank", "control", "too-long"],
)
def test_the_reason_is_required_bounded_and_clean(declined, reason, message):
    with translation.override("en"), pytest.raises(services.ApplicationValidationError) as caught:
        _request(declined, reason=reason)
    assert message in caught.value.errors["reason"][0]
    declined.refresh_from_db()
    assert declined.state == State.DECLINED
    assert not ReviewRequest.objects.exists()


# --- the officer's decision -------------------------------------------------------------------
def test_an_officer_upholds_and_the_customer_is_told(declined, users):
    review = _request(declined)
    decided = services.review_decide(
        review=review, actor=users["officer"], outcome="upheld", explanation="The blocklist entry stands."
    )
    declined.refresh_from_db()
    assert declined.state == State.DECLINED
    assert (decided.outcome, decided.decided_by, decided.explanation) == (
        ReviewOutcome.UPHELD,
        users["officer"],
        "The blocklist entry stands.",
    )
    event = declined.events.order_by("-id").first()
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        users["officer"],
        State.REVIEW_REQUESTED,
        State.DECLINED,
        "The blocklist entry stands.",
    )
    body = _client(declined.customer.user).get(f"/api/v1/applications/{declined.pk}/").json()
    assert body["review"]["status"] == "upheld"
    assert body["review"]["explanation"] == "The blocklist entry stands."
    assert body["review"]["decided_by"] is None  # the officer's name is internal
    assert "request-review" not in body["allowed_actions"]
    staff = _client(users["auditor"]).get(f"/api/v1/applications/{declined.pk}/").json()
    assert staff["review"]["decided_by"] == "officer"


def test_overturned_goes_back_to_manual_review_and_can_be_approved(declined, users):
    review = _request(declined)
    services.review_decide(
        review=review, actor=users["officer"], outcome="overturned", explanation="Entry was a mistake."
    )
    declined.refresh_from_db()
    assert declined.state == State.REFERRED
    assert declined.max_amount == Decimal(declined.decision.limit_basis["computed_limit"])
    approved = services.application_approve(application=declined, actor=users["officer2"], reason="ok")
    assert approved.state == State.APPROVED


@pytest.mark.parametrize("who", ["system", "owner", "auditor", "analyst", "marketing"])
def test_only_an_officer_person_decides(declined, users, who):
    review = _request(declined)
    actor = {"system": None, "owner": declined.customer.user}.get(who, users.get(who))
    with pytest.raises(services.ApplicationPermissionError):
        services.review_decide(review=review, actor=actor, outcome="overturned", explanation="x")
    review.refresh_from_db()
    declined.refresh_from_db()
    assert (review.outcome, declined.state) == ("", State.REVIEW_REQUESTED)


def test_an_officer_who_decided_the_application_may_not_review_it(declined, users):
    # An earlier manual decision by officer2 on this application (a first approval, say)
    ApplicationEvent.objects.create(
        application=declined,
        actor=users["officer2"],
        from_state=State.SCORED,
        to_state=State.SCORED,
        reason="first approval",
        payload={"pending_approval": {"amount": "1"}},
    )
    review = _request(declined)
    with (
        translation.override("en"),
        pytest.raises(services.ApplicationPermissionError, match="another officer"),
    ):
        services.review_decide(review=review, actor=users["officer2"], outcome="upheld", explanation="x")
    assert ReviewRequest.objects.get().outcome == ""


def test_two_officers_deciding_one_review_one_wins(declined, users):
    review = _request(declined)
    stale = ReviewRequest.objects.get(pk=review.pk)  # what the second officer's screen shows
    services.review_decide(review=review, actor=users["officer"], outcome="upheld", explanation="Stands.")
    events = ApplicationEvent.objects.filter(application=declined).count()
    with translation.override("en"), pytest.raises(services.ApplicationStateError) as caught:
        services.review_decide(review=stale, actor=users["senior"], outcome="overturned", explanation="No.")
    assert "already decided (Decision upheld) by officer" in caught.value.message
    declined.refresh_from_db()
    assert declined.state == State.DECLINED
    assert ReviewRequest.objects.get().decided_by == users["officer"]
    assert ApplicationEvent.objects.filter(application=declined).count() == events


def test_the_outcome_must_be_uphold_or_overturn_with_an_explanation(declined, users):
    review = _request(declined)
    with pytest.raises(services.ApplicationValidationError):
        services.review_decide(review=review, actor=users["officer"], outcome="approved", explanation="x")
    with pytest.raises(services.ApplicationValidationError):
        services.review_decide(review=review, actor=users["officer"], outcome="upheld", explanation=" ")
    assert ReviewRequest.objects.get().outcome == ""


# --- the API ----------------------------------------------------------------------------------
def test_api_request_with_idempotency_key_and_the_409_twice(declined):
    client = _client(declined.customer.user)
    body = {"reason": "Please look again."}
    first = client.post(URL.format(declined.pk), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["application"], data["state"], data["status"], data["reason"]) == (
        declined.pk,
        "review_requested",
        "pending",
        "Please look again.",
    )
    replay = client.post(URL.format(declined.pk), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 201
    assert replay.json() == data
    assert replay["Idempotent-Replayed"] == "true"
    again = client.post(URL.format(declined.pk), body, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert again.status_code == 409
    assert "already asked for a human review" in again.json()["detail"]
    assert ReviewRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("owner", 201),
        ("other_customer", 404),
        ("officer", 403),
        ("senior", 403),
        ("auditor", 403),
        ("analyst", 403),
    ],
)
def test_api_permission_matrix(declined, users, role, expected):
    user = {
        "anonymous": None,
        "owner": declined.customer.user,
        "other_customer": make_customer("mallory").user,
    }.get(role, users.get(role))
    response = _client(user).post(URL.format(declined.pk), {"reason": "look"}, format="json")
    assert response.status_code == expected, response.content
    declined.refresh_from_db()
    if expected != 201:
        assert declined.state == State.DECLINED
        assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "a\x00b"}, {"reason": "x" * 1001}])
def test_api_refuses_a_missing_or_bad_reason(declined, body):
    response = _client(declined.customer.user).post(URL.format(declined.pk), body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert not ReviewRequest.objects.exists()


def test_api_error_in_chinese(declined):
    _request(declined)
    response = _client(declined.customer.user, "zh-hans").post(URL.format(declined.pk), {"reason": "再看"})
    assert response.status_code == 409
    assert "人工复核" in response.json()["detail"]


# --- the status page and the admin console -----------------------------------------------------
@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Ask for a human review"), ("zh-hans", "申请人工复核")]
)
def test_status_page_form_then_outcome(declined, users, client, language, heading):
    client.force_login(declined.customer.user)
    page = client.get(f"/applications/{declined.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert heading in page.text
    assert f"/applications/{declined.pk}/request-review/" in page.text
    # An empty reason is shown back on the form
    page = client.post(
        f"/applications/{declined.pk}/request-review/", {"reason": ""}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 400
    assert not ReviewRequest.objects.exists()
    response = client.post(f"/applications/{declined.pk}/request-review/", {"reason": "Look again."})
    assert response.status_code == 302
    review = ReviewRequest.objects.get()
    services.review_decide(review=review, actor=users["officer"], outcome="upheld", explanation="It stands.")
    page = client.get(f"/applications/{declined.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert "It stands." in page.text
    assert f"/applications/{declined.pk}/request-review/" not in page.text


def test_another_customer_gets_404_on_the_page(declined, client):
    client.force_login(make_customer("eve").user)
    assert client.post(f"/applications/{declined.pk}/request-review/", {"reason": "x"}).status_code == 404
    assert not ReviewRequest.objects.exists()


def test_officer_queue_in_the_admin(declined, users, client):
    review = _request(declined)
    client.force_login(users["officer"])
    queue = client.get("/admin/applications/reviewrequest/?status=pending")
    assert queue.status_code == 200
    assert str(review) in queue.text
    page = client.get(f"/admin/applications/reviewrequest/{review.pk}/change/")
    assert f"/admin/applications/reviewrequest/{review.pk}/decide/overturned/" in page.text
    assert "BLOCKLIST" in page.text  # staff see the reason codes
    url = f"/admin/applications/reviewrequest/{review.pk}/decide/overturned/"
    assert client.post(url, {"explanation": ""}).status_code == 200  # the form again, with the error
    assert ReviewRequest.objects.get().outcome == ""
    response = client.post(url, {"explanation": "A mistake in the blocklist."})
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.state == State.REFERRED
    # The auditor reads the queue but cannot decide
    client.force_login(users["auditor"])
    assert client.get("/admin/applications/reviewrequest/").status_code == 200
    page = client.get(f"/admin/applications/reviewrequest/{review.pk}/change/")
    assert "/decide/" not in page.text
