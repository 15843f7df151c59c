"""The applications API: drafts, reads, transitions, the role × endpoint matrix, idempotency keys."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from applications.models import ApplicationEvent, LoanApplication, State
from loanhub.models import IdempotencyRecord
from risk.models import ScoringRequest
from tests.applications.conftest import STRONG, draft, in_state, make_customer

pytestmark = pytest.mark.django_db
URL = "/api/v1/applications/"
BODY = {
    "product": "CASH",
    "amount": "50000.00",
    "term": 24,
    "method": "annuity",
    "frequency": "monthly",
    "purpose": "consumer_auto",
    "channel": "web",
}


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def test_create_a_draft_pinned_to_the_offered_version(customer, product):
    response = client_for(customer.user).post(URL, {**BODY, **STRONG}, format="json")
    assert response.status_code == 201
    body = response.json()
    application = LoanApplication.objects.get()
    assert (body["id"], body["state"]) == (application.pk, "draft")
    assert (body["product"], body["product_version"]) == ("CASH", product.version)
    assert application.product_version == product
    assert body["amount"] == "50000.00"
    assert body["allowed_actions"] == ["submit"]
    assert body["events"][0]["to_state"] == "draft"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"amount": "600000"}, {"amount": ["must be between 10000.00 and 500000.00 for product CASH"]}),
        ({"term": 72}, {"term": ["must be between 6 and 60 for product CASH"]}),
        ({"frequency": "annual"}, {"frequency": ["must be one of monthly, quarterly for product CASH"]}),
        ({"method": "balloon"}, {"method": ['"balloon" is not a valid choice.']}),
        ({"frequency": "fortnightly"}, {"frequency": ['"fortnightly" is not a valid choice.']}),
        ({"product": "NOPE"}, {"product": ["unknown product NOPE"]}),
        ({"purpose": "yacht"}, {"purpose": ['"yacht" is not a valid choice.']}),
        ({"amount": "lots"}, {"amount": ["A valid number is required."]}),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(customer, product, change, errors):
    response = client_for(customer.user).post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == errors
    assert LoanApplication.objects.count() == 0


def test_update_a_draft_and_only_a_draft(customer, product):
    application = draft(customer, product)
    client = client_for(customer.user)
    response = client.patch(f"{URL}{application.pk}/", {"term": 36, "housing": "rent"}, format="json")
    assert response.status_code == 200
    assert (response.json()["term"], response.json()["housing"]) == (36, "rent")
    response = client.put(f"{URL}{application.pk}/", {**BODY, "amount": "700000"}, format="json")
    assert response.status_code == 400
    assert LoanApplication.objects.get().amount == Decimal("50000.00")
    scored = in_state(State.SCORED, customer, product)
    response = client.patch(f"{URL}{scored.pk}/", {"term": 12}, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == "scored"


def test_list_own_or_all_for_staff_filtered_by_state(customer, other_customer, product, users):
    mine = in_state(State.REFERRED, customer, product)
    in_state(State.DRAFT, customer, product)
    theirs = in_state(State.REFERRED, other_customer, product)
    own = client_for(customer.user).get(URL).json()
    assert {r["id"] for r in own["results"]} == {mine.pk, mine.pk + 1}
    staff = client_for(users["auditor"]).get(URL, {"state": "referred"}).json()
    assert {r["id"] for r in staff["results"]} == {mine.pk, theirs.pk}
    assert staff["count"] == 2


def test_full_flow_through_the_api(risk_ready, customer, product, users, django_capture_on_commit_callbacks):
    customer_client, officer_client = client_for(customer.user), client_for(users["officer"])
    pk = customer_client.post(URL, {**BODY, **STRONG}, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(f"{URL}{pk}/submit/", {"credit_check_consent": True}, format="json")
    assert (response.status_code, response.json()["state"]) == (200, "scoring")
    detail = customer_client.get(f"{URL}{pk}/").json()
    assert detail["state"] == "approved"
    decision = detail["decision"]
    assert decision["outcome"] == "approve"
    assert {"score", "grade", "reasons", "offer"} <= set(decision)
    assert decision["offer"]["amount"] == "50000.00"
    assert "detail" not in decision["reasons"][0]  # codes and texts only for customers
    assert [e["to_state"] for e in detail["events"]] == [
        "draft",
        "submitted",
        "scoring",
        "scored",
        "approved",
    ]
    assert detail["allowed_actions"] == ["withdraw", "accept-offer", "decline-offer"]
    response = customer_client.post(
        f"{URL}{pk}/accept-offer/",
        {
            "consents": {"disclosure": True, "credit_contract": True},
            "offer_digest": decision["offer"]["digest"],
        },
        format="json",
    )
    assert (response.status_code, response.json()["state"]) == (200, "offer_accepted")
    assert response.json()["disclosure"]["offer"] == decision["offer"]
    response = officer_client.post(f"{URL}{pk}/disburse/", {"reason": "docs signed"}, format="json")
    assert (response.status_code, response.json()["state"]) == (200, "disbursed")
    response = officer_client.post(f"{URL}{pk}/disburse/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == "disbursed"
    assert "already decided (Disbursed) by officer at" in response.json()["detail"]


def test_conflict_body_names_the_state(customer, product, users):
    application = in_state(State.DECLINED, customer, product)
    response = client_for(users["officer"]).post(
        f"{URL}{application.pk}/approve/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"cannot approve: application {application} was already decided (Declined)",
        "code": "conflict",
        "errors": {},
        "state": "declined",
    }


def test_officer_decision_without_reason_is_a_field_error(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    response = client_for(users["officer"]).post(f"{URL}{application.pk}/decline/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["a reason is required for this decision"]}


def test_queue_and_assign(customer, product, users):
    referred = in_state(State.REFERRED, customer, product)
    in_state(State.APPROVED, customer, product)
    officer = client_for(users["officer"])
    queue = officer.get(f"{URL}queue/").json()
    assert [r["id"] for r in queue["results"]] == [referred.pk]
    response = officer.post(f"{URL}{referred.pk}/assign/", {}, format="json")
    assert (response.status_code, response.json()["assigned_officer"]) == (200, "officer")
    assert [r["id"] for r in officer.get(f"{URL}queue/", {"assigned": "me"}).json()["results"]] == [
        referred.pk
    ]
    assert officer.get(f"{URL}queue/", {"unassigned": "true"}).json()["results"] == []
    assert officer.get(f"{URL}queue/", {"state": "approved"}).json()["count"] == 1


@pytest.mark.parametrize("path", ["", "queue/"])
@pytest.mark.parametrize("state", ["approved,nonsense", "a\x00b"])
def test_an_unknown_state_filter_is_a_field_error(users, path, state):
    response = client_for(users["officer"]).get(f"{URL}{path}", {"state": state})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["state"]


# --- role × endpoint matrix ------------------------------------------------------------------------
ROLES = ("anonymous", "owner", "other_customer", "officer", "senior", "auditor", "analyst")
MATRIX = {
    # (method, action): expected status per role, on a referred application of `owner`
    # (anonymous: 401, no credentials)
    ("get", ""): (401, 200, 404, 200, 200, 200, 200),
    ("patch", ""): (401, 409, 404, 409, 409, 403, 403),
    ("post", "submit/"): (401, 409, 404, 409, 409, 403, 403),
    ("post", "approve/"): (401, 403, 404, 200, 200, 403, 403),
    ("post", "refer/"): (401, 403, 404, 409, 409, 403, 403),
    ("post", "decline/"): (401, 403, 404, 200, 200, 403, 403),
    ("post", "withdraw/"): (401, 200, 404, 403, 403, 403, 403),
    ("post", "accept-offer/"): (401, 409, 404, 403, 403, 403, 403),
    ("post", "decline-offer/"): (401, 409, 404, 403, 403, 403, 403),
    ("post", "disburse/"): (401, 403, 404, 409, 409, 403, 403),
    ("post", "assign/"): (401, 403, 404, 200, 200, 403, 403),
}
BODIES = {
    "approve/": {"reason": "checked"},
    "decline/": {"reason": "not affordable"},
    "refer/": {"reason": "look"},
    "accept-offer/": {"consents": {"disclosure": True, "credit_contract": True}},
    "": {"term": 12},
}


@pytest.fixture
def referred_of_owner(risk_ready, product, submit):
    owner = make_customer("owner")  # thin bureau file → referred
    application = submit(draft(owner, product))
    assert application.state == State.REFERRED
    return application


def _caller(role, application, users):
    if role == "anonymous":
        return None
    if role == "owner":
        return application.customer.user
    if role == "other_customer":
        return make_customer("intruder").user
    return users[role]


@pytest.mark.parametrize("endpoint", list(MATRIX), ids=lambda e: f"{e[0]}-{e[1] or 'detail'}")
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(endpoint, role, referred_of_owner, users):
    method, action = endpoint
    expected = MATRIX[endpoint][ROLES.index(role)]
    application = referred_of_owner
    events_before = ApplicationEvent.objects.filter(application=application).count()
    client = client_for(_caller(role, application, users))
    url = f"{URL}{application.pk}/{action}"
    response = getattr(client, method)(url, BODIES.get(action, {}), format="json")
    assert response.status_code == expected, response.content
    application.refresh_from_db()
    if expected >= 400:
        assert application.state == State.REFERRED
        assert ApplicationEvent.objects.filter(application=application).count() == events_before


# The caller's right is checked before the body: an empty body is refused as invalid (400) only for
# a caller who may act; the others get the same 403/404 as with a valid body.
EMPTY_BODY = {
    ("post", "accept-offer/"): (401, 400, 404, 403, 403, 403, 403),
    ("put", ""): (401, 400, 404, 400, 400, 403, 403),
}


@pytest.mark.parametrize("endpoint", list(EMPTY_BODY), ids=lambda e: f"{e[0]}-{e[1] or 'detail'}")
@pytest.mark.parametrize("role", ROLES)
def test_the_right_is_checked_before_the_body(endpoint, role, referred_of_owner, users):
    method, action = endpoint
    application = referred_of_owner
    before = (application.updated_at, ApplicationEvent.objects.filter(application=application).count())
    client = client_for(_caller(role, application, users))
    for body in ({}, {**BODY, **STRONG}) if method == "put" else ({},):
        response = getattr(client, method)(f"{URL}{application.pk}/{action}", body, format="json")
        expected = EMPTY_BODY[endpoint][ROLES.index(role)]
        if body and expected == 400:
            expected = 409  # a valid body from a caller who may: the referred application is not a draft
        assert response.status_code == expected, response.content
    application.refresh_from_db()
    assert application.state == State.REFERRED
    assert (
        application.updated_at,
        ApplicationEvent.objects.filter(application=application).count(),
    ) == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("owner", 403),
        ("officer", 200),
        ("senior", 200),
        ("auditor", 403),
        ("analyst", 403),
    ],
)
def test_queue_is_for_officers(role, expected, customer, users):
    user = {"anonymous": None, "owner": customer.user}.get(role, users.get(role))
    assert client_for(user).get(f"{URL}queue/").status_code == expected


def test_list_for_anonymous_is_refused():
    # 401 with WWW-Authenticate: Token (the first authentication class says how to sign in).
    response = client_for().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- idempotency -----------------------------------------------------------------------------------
def test_repeated_create_with_the_same_key_returns_the_first_result(customer, product):
    client = client_for(customer.user)
    first = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert LoanApplication.objects.count() == 1


def test_same_key_different_request_is_refused(customer, product):
    client = client_for(customer.user)
    client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post(URL, {**BODY, "amount": "60000"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert "already used for a different request" in response.json()["detail"]
    assert LoanApplication.objects.count() == 1


def test_keys_are_per_user(customer, other_customer, product):
    client_for(customer.user).post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = client_for(other_customer.user).post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert LoanApplication.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2


def test_repeated_transition_acts_once(risk_ready, customer, product, django_capture_on_commit_callbacks):
    application = draft(customer, product)
    client = client_for(customer.user)
    url = f"{URL}{application.pk}/submit/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"credit_check_consent": True}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"credit_check_consent": True}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert ScoringRequest.objects.count() == 1
    assert application.events.filter(to_state=State.SUBMITTED).count() == 1
    # Without the key the repeat is a real second attempt: a conflict
    third = client.post(url, {"credit_check_consent": True}, format="json")
    assert third.status_code == 409


def test_a_refused_first_attempt_is_replayed_as_refused(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    client = client_for(users["officer"])
    url = f"{URL}{application.pk}/decline/"
    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.json() == first.json()
