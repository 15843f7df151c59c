"""CRM: follow-up tasks, the contact log, NPS surveys after disbursement and closing (opened by
the lower apps' registries), the NPS report on a hand-computed example, and the suggestion queue;
who may do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from applications import hooks as application_hooks
from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden
from marketing import charts, crm, selectors
from marketing.errors import MarketingForbidden, MarketingInvalid, MarketingNotFound
from marketing.models import FollowUp, FollowUpEvent, NpsSurvey, Suggestion, SurveyMoment
from servicing import hooks as servicing_hooks
from tests.customers.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_manager(db):
    return UserFactory(username="pm", role=roles.PRODUCT_MANAGER)


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# --- Follow-ups and contacts ---------------------------------------------------------------------


def test_an_officer_closes_a_follow_up_once_with_its_outcome(officer):
    customer = CustomerFactory()
    task = crm.follow_up_create(
        actor=officer, customer=customer, kind="document_chase", due_on=clock.today() + dt.timedelta(days=2)
    )
    assert (task.state, task.assigned_to, task.outcome) == ("open", officer, "")
    done = crm.follow_up_complete(
        follow_up=task, actor=officer, outcome="documents_received", note="got them"
    )
    assert (done.state, done.outcome) == ("done", "documents_received")
    event = FollowUpEvent.objects.get(follow_up=task)
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        "open",
        "done",
        officer,
        "got them",
    )
    # A second completion or a cancellation is a conflict and changes nothing
    with pytest.raises(Conflict):
        crm.follow_up_complete(follow_up=task, actor=officer, outcome="no_answer")
    with pytest.raises(Conflict):
        crm.follow_up_cancel(follow_up=task, actor=officer)
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("done", "documents_received")
    assert FollowUpEvent.objects.filter(follow_up=task).count() == 1


def test_follow_up_input_is_checked_field_by_field(officer, manager):
    customer = CustomerFactory()
    with pytest.raises(MarketingInvalid) as caught:
        crm.follow_up_create(
            actor=officer,
            customer=customer,
            kind="lunch",
            due_on=clock.today() - dt.timedelta(days=1),
            assigned_to=CustomerFactory().user,
        )
    assert set(caught.value.errors) == {"kind", "due_on", "assigned_to"}
    task = crm.follow_up_create(actor=manager, customer=customer, kind="call_back", due_on=clock.today())
    with pytest.raises(MarketingInvalid) as caught:
        crm.follow_up_complete(follow_up=task, actor=officer, outcome="maybe")
    assert set(caught.value.errors) == {"outcome"}
    assert FollowUp.objects.get().state == "open"


def test_the_contact_log_is_per_customer_newest_first(officer):
    customer, other = CustomerFactory(), CustomerFactory()
    task = crm.follow_up_create(actor=officer, customer=customer, kind="call_back", due_on=clock.today())
    first = crm.contact_log(
        actor=officer,
        customer=customer,
        channel="phone",
        direction="outbound",
        summary="left a message",
        follow_up=task,
        occurred_at=clock.now() - dt.timedelta(hours=2),
    )
    second = crm.contact_log(
        actor=officer, customer=customer, channel="branch", direction="inbound", summary="came in"
    )
    crm.contact_log(actor=officer, customer=other, channel="sms", direction="outbound", summary="x")
    assert list(selectors.contact_list(customer_id=customer.pk)) == [second, first]
    with pytest.raises(MarketingInvalid) as caught:
        crm.contact_log(
            actor=officer, customer=other, channel="fax", direction="outbound", summary=" ", follow_up=task
        )
    assert set(caught.value.errors) == {"channel", "summary", "follow_up"}


def test_product_managers_and_auditors_may_not_work_follow_ups(product_manager, auditor):
    customer = CustomerFactory()
    for user in (product_manager, auditor, customer.user):
        with pytest.raises(MarketingForbidden):
            crm.follow_up_create(actor=user, customer=customer, kind="call_back", due_on=clock.today())
        with pytest.raises(MarketingForbidden):
            crm.contact_log(actor=user, customer=customer, channel="phone", direction="inbound", summary="x")
    assert not FollowUp.objects.exists()


# --- Surveys -------------------------------------------------------------------------------------


def _loan(customer, number="L1", code="CASH"):
    """What the loan-closed hook reads of a loan."""
    return SimpleNamespace(
        customer_id=customer.pk,
        number=number,
        product_version=SimpleNamespace(product=SimpleNamespace(code=code)),
    )


def test_surveys_open_once_after_disbursement_and_after_closing_through_the_registries():
    customer = CustomerFactory()
    application = SimpleNamespace(
        pk=7, customer_id=customer.pk, product_version=SimpleNamespace(product=SimpleNamespace(code="CASH"))
    )
    application_hooks.application_disbursed(application=application)
    application_hooks.application_disbursed(application=application)  # a second call: the same survey
    servicing_hooks.loan_closed(loan=_loan(customer))
    servicing_hooks.loan_closed(loan=_loan(customer))  # reopened and closed again
    surveys = NpsSurvey.objects.order_by("moment")
    assert [(s.moment, s.subject_ref, s.product_code, s.customer_id) for s in surveys] == [
        ("closed", "loan:L1", "CASH", customer.pk),
        ("disbursed", "application:7", "CASH", customer.pk),
    ]
    # Each survey asks once, in the customer's portal inbox
    from notifications.models import Message

    invitations = Message.objects.filter(dedupe_key__startswith="nps-survey:")
    assert sorted(invitations.values_list("dedupe_key", flat=True)) == sorted(
        f"nps-survey:{s.pk}" for s in surveys
    )
    assert {(m.user_id, m.channel) for m in invitations} == {(customer.user_id, "portal")}


def test_a_customer_answers_their_own_survey_once_and_a_suggestion_reaches_the_queue():
    customer, other = CustomerFactory(), CustomerFactory()
    survey = crm.survey_open(
        customer_id=customer.pk, moment="disbursed", subject_ref="a:1", product_code="CASH"
    )
    # Someone else's survey does not exist for them
    with pytest.raises(MarketingNotFound):
        crm.survey_answer(survey_id=survey.pk, actor=other.user, score=10)
    with pytest.raises(MarketingInvalid) as caught:
        crm.survey_answer(survey_id=survey.pk, actor=customer.user, score=11)
    assert set(caught.value.errors) == {"score"}
    answered = crm.survey_answer(
        survey_id=survey.pk, actor=customer.user, score=9, comment="fast", suggestion="Let me pay by WeChat"
    )
    assert (answered.score, answered.comment) == (9, "fast")
    suggestion = Suggestion.objects.get()
    assert (suggestion.survey, suggestion.product_code, suggestion.state) == (survey, "CASH", "new")
    with pytest.raises(Conflict):
        crm.survey_answer(survey_id=survey.pk, actor=customer.user, score=0)
    survey.refresh_from_db()
    assert survey.score == 9
    assert Suggestion.objects.count() == 1


def _answer(customer, code: str, score: int, when: dt.datetime, ref: str):
    survey = crm.survey_open(customer_id=customer.pk, moment="disbursed", subject_ref=ref, product_code=code)
    with time_machine.travel(when, tick=False):
        crm.survey_answer(survey_id=survey.pk, actor=customer.user, score=score)


def test_nps_by_month_and_product_on_a_hand_computed_example():
    customer = CustomerFactory()
    tz = timezone.get_current_timezone()
    march = dt.datetime(2026, 3, 10, 12, tzinfo=tz)
    april = dt.datetime(2026, 4, 10, 12, tzinfo=tz)
    # March: 10, 9 (promoters), 7 (passive), 3 (detractor) → (2 − 1) / 4 = 25.0
    # April: 6, 0 (detractors), 9 (promoter) → (1 − 2) / 3 = −33.3
    for i, (code, score, when) in enumerate(
        [("CASH", 10, march), ("CASH", 9, march), ("BIZ", 7, march), ("BIZ", 3, march)]
        + [("CASH", 6, april), ("BIZ", 0, april), ("BIZ", 9, april)]
    ):
        _answer(customer, code, score, when, ref=f"r{i}")
    crm.survey_open(customer_id=customer.pk, moment="closed", subject_ref="unanswered", product_code="CASH")
    report = selectors.nps_report()
    assert report["overall"] == {
        "responses": 7,
        "promoters": 3,
        "passives": 1,
        "detractors": 3,
        "nps": Decimal("0.0"),
    }
    assert [(r["month"], r["responses"], r["nps"]) for r in report["by_month"]] == [
        ("2026-03", 4, Decimal("25.0")),
        ("2026-04", 3, Decimal("-33.3")),
    ]
    # CASH: 10, 9, 6 → (2 − 1) / 3 = 33.3; BIZ: 7, 3, 0, 9 → (1 − 2) / 4 = −25.0
    assert [(r["product"], r["nps"]) for r in report["by_product"]] == [
        ("BIZ", Decimal("-25.0")),
        ("CASH", Decimal("33.3")),
    ]
    assert selectors.nps_report(moment=SurveyMoment.CLOSED)["overall"]["responses"] == 0
    # The charts draw one dot per month and one bar per product, negative ones downwards
    trend, bars = charts.trend_chart(report["by_month"]), charts.product_chart(report["by_product"])
    assert trend.count("<circle") == 2
    assert bars.count('class="bar-negative"') == 1
    assert bars.count('class="bar-positive"') == 1


# --- Suggestions ---------------------------------------------------------------------------------


def test_product_managers_triage_the_suggestion_queue(product_manager, officer):
    customer = CustomerFactory()
    suggestion = crm.suggestion_submit(actor=customer.user, text="A longer term", product_code="CASH")
    assert list(selectors.suggestion_queue(state="new")) == [suggestion]
    with pytest.raises(Forbidden):
        crm.suggestion_triage(suggestion=suggestion, actor=officer, action="plan")
    with pytest.raises(MarketingInvalid) as caught:
        crm.suggestion_triage(suggestion=suggestion, actor=product_manager, action="decline")
    assert set(caught.value.errors) == {"note"}
    planned = crm.suggestion_triage(suggestion=suggestion, actor=product_manager, action="plan", note="Q3")
    assert (planned.state, planned.handled_by, planned.response) == ("planned", product_manager, "Q3")
    with pytest.raises(Conflict):
        crm.suggestion_triage(suggestion=suggestion, actor=product_manager, action="plan")
    assert (
        crm.suggestion_triage(suggestion=suggestion, actor=product_manager, action="finish").state == "done"
    )
    assert list(selectors.suggestion_queue(state="new")) == []
    with pytest.raises(MarketingForbidden):
        crm.suggestion_submit(actor=officer, text="staff idea")


# --- API -----------------------------------------------------------------------------------------


def test_api_follow_up_and_contact_flow_with_masked_names(officer):
    customer = CustomerFactory(legal_name="张三丰")
    client = _api(officer)
    created = client.post(
        "/api/v1/marketing/follow-ups/",
        {"customer": customer.pk, "kind": "offer_reminder", "due_on": clock.today().isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["customer_name"] != "张三丰"
    assert body["customer_name"].startswith("张")
    assert body["assigned_to"] == officer.username
    mine = client.get("/api/v1/marketing/follow-ups/?mine=1&state=open").json()
    assert [t["id"] for t in mine] == [body["id"]]
    done = client.post(
        f"/api/v1/marketing/follow-ups/{body['id']}/complete/", {"outcome": "offer_accepted"}, format="json"
    )
    assert (done.status_code, done.json()["state"]) == (200, "done")
    again = client.post(
        f"/api/v1/marketing/follow-ups/{body['id']}/complete/", {"outcome": "no_answer"}, format="json"
    )
    assert again.status_code == 409
    bad = client.post(
        "/api/v1/marketing/follow-ups/",
        {"customer": 999999, "kind": "call_back", "due_on": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert "due_on" in bad.json()["errors"]
    missing = client.post(
        "/api/v1/marketing/follow-ups/999999/complete/", {"outcome": "reached"}, format="json"
    )
    assert missing.status_code == 404
    logged = client.post(
        f"/api/v1/marketing/customers/{customer.pk}/contacts/",
        {"channel": "phone", "direction": "outbound", "summary": "reminded", "follow_up": body["id"]},
        format="json",
    )
    assert logged.status_code == 201, logged.content
    assert [
        c["summary"] for c in client.get(f"/api/v1/marketing/customers/{customer.pk}/contacts/").json()
    ] == ["reminded"]


def test_api_customers_see_and_answer_only_their_own_surveys(manager):
    customer, other = CustomerFactory(), CustomerFactory()
    mine = crm.survey_open(
        customer_id=customer.pk, moment="closed", subject_ref="loan:1", product_code="CASH"
    )
    crm.survey_open(customer_id=other.pk, moment="closed", subject_ref="loan:2", product_code="CASH")
    listed = _api(customer.user).get("/api/v1/marketing/surveys/me/").json()
    assert [s["id"] for s in listed] == [mine.pk]
    assert (
        _api(other.user)
        .post(f"/api/v1/marketing/surveys/{mine.pk}/answer/", {"score": 10}, format="json")
        .status_code
        == 404
    )
    assert (
        _api(other.user)
        .post(f"/api/v1/marketing/surveys/{mine.pk}/answer/", {"score": 99}, format="json")
        .status_code
        == 404
    )
    assert (
        _api(manager)
        .post(f"/api/v1/marketing/surveys/{mine.pk}/answer/", {"score": 10}, format="json")
        .status_code
        == 404
    )
    bad = _api(customer.user).post(
        f"/api/v1/marketing/surveys/{mine.pk}/answer/", {"score": 11}, format="json"
    )
    assert bad.status_code == 400
    assert "score" in bad.json()["errors"]
    ok = _api(customer.user).post(
        f"/api/v1/marketing/surveys/{mine.pk}/answer/", {"score": 8, "comment": "ok"}, format="json"
    )
    assert (ok.status_code, ok.json()["score"]) == (200, 8)
    report = _api(manager).get("/api/v1/marketing/nps/").json()
    assert report["overall"] == {"responses": 1, "promoters": 0, "passives": 1, "detractors": 0, "nps": "0.0"}
    assert _api(customer.user).get("/api/v1/marketing/nps/").status_code == 403
    assert _api(manager).get("/api/v1/marketing/nps/?moment=never").status_code == 400


def test_api_suggestions_go_from_customers_to_product_managers(product_manager, officer, manager):
    customer = CustomerFactory()
    made = _api(customer.user).post("/api/v1/marketing/suggestions/", {"text": "Lower fees"}, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert _api(customer.user).get("/api/v1/marketing/suggestions/").status_code == 403
    assert [
        s["id"] for s in _api(product_manager).get("/api/v1/marketing/suggestions/?state=new").json()
    ] == [pk]
    assert (
        _api(officer)
        .post(f"/api/v1/marketing/suggestions/{pk}/triage/", {"action": "plan"}, format="json")
        .status_code
        == 403
    )
    assert Suggestion.objects.get().state == "new"
    planned = _api(product_manager).post(
        f"/api/v1/marketing/suggestions/{pk}/triage/", {"action": "plan"}, format="json"
    )
    assert (planned.status_code, planned.json()["state"]) == (200, "planned")
    assert (
        _api(manager)
        .post(f"/api/v1/marketing/suggestions/{pk}/triage/", {"action": "plan"}, format="json")
        .status_code
        == 409
    )


def test_nps_admin_page_renders_the_charts(manager, client):
    customer = CustomerFactory()
    _answer(customer, "CASH", 10, clock.now(), ref="p1")
    client.force_login(manager)
    response = client.get("/admin/marketing/npssurvey/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart"') == 2
    assert "100.0" in html
    assert client.get("/admin/marketing/npssurvey/").status_code == 200


def test_paying_a_loan_off_opens_the_after_closing_survey(officer):
    """Through the real servicing path: the last payment closes the loan and its registry asks."""
    from dateutil.relativedelta import relativedelta

    from servicing import repayments
    from tests.servicing.factories import ApplicationFactory, open_loan

    loan = open_loan(
        ApplicationFactory(), disbursed_on=clock.today() - relativedelta(months=4), term=3, fees=[]
    )
    assert not NpsSurvey.objects.filter(moment="closed").exists()
    total = repayments.payoff_quote(loan)["total"]
    repayments.repayment_post(loan=loan, amount=total, actor=officer)
    loan.refresh_from_db()
    assert loan.status == "closed"
    survey = NpsSurvey.objects.get(moment="closed")
    assert (survey.customer_id, survey.subject_ref) == (loan.customer_id, f"loan:{loan.number}")
    assert survey.product_code == loan.product_version.product.code


def test_the_feedback_page_answers_own_surveys_and_takes_suggestions(client):
    customer, other = CustomerFactory(), CustomerFactory()
    mine = crm.survey_open(
        customer_id=customer.pk, moment="disbursed", subject_ref="a:1", product_code="CASH"
    )
    theirs = crm.survey_open(customer_id=other.pk, moment="disbursed", subject_ref="a:2", product_code="CASH")
    client.force_login(customer.user)
    page = client.get("/marketing/feedback/")
    assert page.status_code == 200
    assert page.content.decode().count('class="stacked-form survey-form"') == 1
    # Another customer's survey is refused on the form and stays unanswered
    refused = client.post("/marketing/feedback/", {"survey": theirs.pk, "score": "10"})
    assert refused.status_code == 400
    theirs.refresh_from_db()
    assert theirs.answered_at is None
    done = client.post("/marketing/feedback/", {"survey": mine.pk, "score": "3", "comment": "slow"})
    assert done.status_code == 302
    mine.refresh_from_db()
    assert (mine.score, mine.comment) == (3, "slow")
    assert client.post("/marketing/feedback/", {"text": "Open on Sundays"}).status_code == 302
    assert Suggestion.objects.get().text == "Open on Sundays"
    assert client.post("/marketing/feedback/", {"text": ""}).status_code == 400
    assert Suggestion.objects.count() == 1
