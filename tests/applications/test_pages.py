"""Customer pages of the journey and the officer console, through Django's test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import LoanApplication, State
from tests.applications.conftest import STRONG, draft, in_state, walk_wizard

pytestmark = pytest.mark.django_db


WIZARD = "/apply/new/"


def apply_data(product, **overrides) -> dict:
    return {
        "product": product.product.code,
        "amount": "50000",
        "term": "24",
        "method": "annuity",
        "frequency": "monthly",
        "credit_check_consent": "on",
        **STRONG,
        **overrides,
    }


def test_apply_asks_anonymous_visitors_to_sign_in(client, product):
    response = client.get("/apply/", {"product": product.product.code})
    assert response.status_code == 302
    assert reverse("customers:login") in response["Location"]


def test_apply_without_a_profile_goes_to_the_profile_first(client, product, users):
    from loanhub import roles
    from tests.products.factories import UserFactory

    client.force_login(UserFactory(username="newbie", role=roles.CUSTOMER, is_staff=False))
    response = client.get(WIZARD, {"product": product.product.code})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customers:profile"))


def test_apply_form_is_prefilled_and_carries_the_campaign(client, customer, product):
    client.force_login(customer.user)
    html = client.get(
        WIZARD,
        {
            "product": product.product.code,
            "amount": "42000",
            "term": "18",
            "utm_source": "wechat",
            "ref": "FRIEND1",
        },
    ).content.decode()
    assert 'name="amount" value="42000"' in html
    assert 'name="term" value="18"' in html
    assert 'name="utm_source" value="wechat"' in html
    assert 'name="referral_code" value="FRIEND1"' in html


def test_amount_outside_the_product_limits_is_shown_on_the_field_and_nothing_is_saved(
    client, customer, product
):
    client.force_login(customer.user)
    response = walk_wizard(client, customer, product, amount="9999999")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="9999999"' in html
    assert '<div class="field has-error">\n  <label for="id_amount">' in html
    assert not LoanApplication.objects.exists()


def test_missing_consent_is_a_field_error(client, customer, product):
    client.force_login(customer.user)
    response = walk_wizard(client, customer, product, consent=False)
    assert response.status_code == 400
    assert "has-error" in response.content.decode()
    assert LoanApplication.objects.get().state == State.DRAFT  # kept as a draft, not submitted


def test_apply_submits_and_the_status_page_shows_the_decision(
    client, customer, product, risk_ready, django_capture_on_commit_callbacks
):
    client.force_login(customer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = walk_wizard(client, customer, product, utm_source="wechat", referral_code="FRIEND1")
    application = LoanApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[application.pk])
    assert application.state == State.APPROVED
    assert application.utm == {"utm_source": "wechat"}
    assert application.referral_code == "FRIEND1"
    html = client.get(response["Location"]).content.decode()
    assert 'id="state">' in html
    assert reverse("applications:offer", args=[application.pk]) in html
    assert 'http-equiv="refresh"' not in html  # no longer in progress


def test_status_page_refreshes_itself_while_scoring(client, customer, product):
    application = in_state(State.SCORING, customer, product)
    client.force_login(customer.user)
    html = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert 'http-equiv="refresh"' in html


def test_another_customers_application_is_404_on_every_page(client, customer, other_customer, product):
    application = in_state(State.APPROVED, customer, product)
    client.force_login(other_customer.user)
    for url in (
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:offer", args=[application.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("applications:action", args=[application.pk, "withdraw"])).status_code == 404
    application.refresh_from_db()
    assert application.state == State.APPROVED


def test_offer_needs_both_consents_then_is_accepted_as_shown(client, customer, product, risk_ready, submit):
    application = submit(draft(customer, product))
    assert application.state == State.APPROVED
    client.force_login(customer.user)
    url = reverse("applications:offer", args=[application.pk])
    html = client.get(url).content.decode()
    assert 'id="offer-apr"' in html
    digest = application.offer["digest"]
    response = client.post(url, {"digest": digest, "disclosure": "on"})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.APPROVED
    response = client.post(url, {"digest": digest, "disclosure": "on", "credit_contract": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.OFFER_ACCEPTED
    # The disclosure accepted is the offer exactly as shown, with the ticked consents.
    assert application.disclosure["offer"]["digest"] == digest
    assert application.disclosure["consents"] == {"disclosure": True, "credit_contract": True}
    assert application.disclosure["accepted_by"] == customer.user.pk


def test_customer_withdraws_from_the_status_page(client, customer, product):
    application = in_state(State.REFERRED, customer, product)
    client.force_login(customer.user)
    response = client.post(reverse("applications:action", args=[application.pk, "withdraw"]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN
    assert application.events.filter(to_state=State.WITHDRAWN, actor=customer.user).exists()


# --- officer console --------------------------------------------------------------------------
CHANGELIST = "/admin/applications/loanapplication/"


@pytest.mark.parametrize(
    ("role_user", "status"), [("officer", 200), ("auditor", 200), ("marketing", 403), ("analyst", 200)]
)
def test_console_queue_by_role(client, users, customer, product, role_user, status):
    in_state(State.REFERRED, customer, product)
    client.force_login(users[role_user])
    response = client.get(CHANGELIST, {"state__exact": "referred"})
    assert response.status_code == status


def test_customers_cannot_enter_the_console(client, customer, product):
    application = in_state(State.REFERRED, customer, product)
    client.force_login(customer.user)
    response = client.post(f"{CHANGELIST}{application.pk}/act/decline/", {"reason": "no"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    application.refresh_from_db()
    assert application.state == State.REFERRED


def test_console_search_is_exact_and_masks_the_identity(client, users, customer, other_customer, product):
    mine = in_state(State.REFERRED, customer, product)
    in_state(State.REFERRED, other_customer, product)
    client.force_login(users["officer"])
    html = client.get(CHANGELIST, {"q": str(mine)}).content.decode()
    assert f">{mine}<" in html
    assert "1 result" in html or html.count("field-__str__") == 1
    detail = client.get(f"{CHANGELIST}{mine.pk}/change/").content.decode()
    assert customer.id_number not in detail


def test_officer_declines_with_a_reason_through_the_button(client, users, customer, product):
    application = in_state(State.REFERRED, customer, product)
    client.force_login(users["officer"])
    detail = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    assert 'data-action="decline"' in detail
    url = f"{CHANGELIST}{application.pk}/act/decline/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200  # the form again, with the error
    application.refresh_from_db()
    assert application.state == State.REFERRED
    response = client.post(url, {"reason": "income could not be confirmed"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.DECLINED
    event = application.events.get(to_state=State.DECLINED)
    assert (event.actor, event.reason) == (users["officer"], "income could not be confirmed")


def test_auditors_see_no_buttons_and_cannot_act(client, users, customer, product):
    application = in_state(State.REFERRED, customer, product)
    client.force_login(users["auditor"])
    detail = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    assert "officer-action" not in detail
    client.post(f"{CHANGELIST}{application.pk}/act/decline/", {"reason": "audit"})
    application.refresh_from_db()
    assert application.state == State.REFERRED


def test_estimated_count_paginator_counts_small_queues_exactly(customer, product):
    from applications.admin import EstimatedCountPaginator

    for _ in range(3):
        in_state(State.REFERRED, customer, product, amount=Decimal("20000"))
    assert EstimatedCountPaginator(LoanApplication.objects.order_by("-id"), 50).count == 3


def test_officers_notes_stay_internal_on_the_customers_page_and_api(client, users, customer, product):
    from applications import services

    application = in_state(State.REFERRED, customer, product)
    services.application_assign(application=application, actor=users["officer"])
    services.application_decline(
        application=application, actor=users["officer"], reason="internal: salary slip forged?"
    )
    client.force_login(customer.user)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "salary slip" not in page
    body = client.get(f"/api/v1/applications/{application.pk}/").json()
    assert "salary slip" not in str(body)
    assert body["assigned_officer"] is None
    assert users["officer"].username not in str(body["events"])
    client.force_login(users["officer"])
    staff_view = client.get(f"/api/v1/applications/{application.pk}/").json()
    assert "salary slip" in str(staff_view["events"])


def test_a_refused_submission_keeps_the_draft_and_says_why(client, product):
    # The wizard saves a draft at every step (the one-page form once left none): a submission the
    # services refuse keeps it as a draft, with the reasons, so the customer can change it.
    from tests.applications.conftest import make_customer

    poor = make_customer("poor", monthly_income=Decimal("1000.00"))
    client.force_login(poor.user)
    response = walk_wizard(client, poor, product, monthly_income="1000.00")
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert response.context["step_errors"]
    assert LoanApplication.objects.get().state == State.DRAFT


def test_console_list_no_longer_matches_an_identity_number_in_the_address(client, users, customer, product):
    """`?q=` lands in access logs: an identity number there matches nothing and is not audited;
    the customers' identifier search (POST) finds the customer and links to their applications."""
    from customers.models import CustomerEvent, EventKind

    mine = in_state(State.REFERRED, customer, product)
    client.force_login(users["officer"])
    assert list(client.get(CHANGELIST, {"q": customer.id_number}).context["cl"].result_list) == []
    assert not CustomerEvent.objects.filter(kind=EventKind.REVEAL).exists()

    found = client.post("/admin/customers/customer/identifier-search/", {"identifier": customer.id_number})
    assert found.status_code == 200
    link = found.context["results"][0]["applications_url"]
    assert customer.id_number not in link
    assert list(client.get(link).context["cl"].result_list) == [mine]
    event = CustomerEvent.objects.get(customer=customer, kind=EventKind.REVEAL)
    assert (event.actor, event.field) == (users["officer"], "id_number")


def test_estimated_count_of_an_empty_search_is_zero(customer, product):
    from applications.admin import EstimatedCountPaginator

    in_state(State.REFERRED, customer, product)
    assert EstimatedCountPaginator(LoanApplication.objects.none(), 50).count == 0


def test_apply_form_starts_from_the_quoted_repayment_and_grace(client, customer, product):
    product.grace_max_periods, product.grace_types = 3, ["interest_only"]
    product.save(update_fields=["grace_max_periods", "grace_types"])
    client.force_login(customer.user)
    response = client.get(
        WIZARD,
        {
            "product": product.product.code,
            "amount": "42000",
            "term": "18",
            "method": "equal_principal",
            "frequency": "quarterly",
            "grace_periods": "3",
            "grace_type": "interest_only",
        },
    )
    initial = response.context["form"].initial
    assert (initial["method"], initial["frequency"]) == ("equal_principal", "quarterly")
    assert (initial["grace_periods"], initial["grace_type"]) == ("3", "interest_only")


def test_the_console_says_why_approve_is_blocked_instead_of_a_failing_button(
    client, users, product, risk_ready, submit
):
    from customers import services as customer_services
    from tests.applications.conftest import make_customer

    client.force_login(users["officer"])
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    # Given a referral whose customer has no identity card on file (put straight into the state:
    # submission itself now asks for the card)
    cardless = in_state(State.REFERRED, make_customer("ed", kyc="unverified", id_card=False), product)
    # Then Approve is not offered, and the page says why (no identity card: nothing to verify yet)
    page = client.get(f"{CHANGELIST}{cardless.pk}/change/", **english).content.decode()
    assert '<span class="officer-action disabled" data-action="approve"' in page  # shown, not usable
    assert 'class="officer-action" data-action="approve"' not in page
    assert 'data-action="decline"' in page
    assert "the customer has not uploaded an identity card" in page
    # Given an application referred because the customer's identity is not verified (card on file)
    carol = make_customer("carol", kyc="unverified")
    application = submit(draft(carol, product))
    assert application.state == State.REFERRED
    change = f"{CHANGELIST}{application.pk}/change/"
    # Then the reason is the verification still to do
    page = client.get(change, **english).content.decode()
    assert 'class="officer-action" data-action="approve"' not in page
    assert "verify it on the customer&#x27;s page" in page or "verify it on the customer's page" in page
    # Once verified, Approve is offered
    customer_services.customer_verify_identity(customer=carol, actor=users["officer2"], reason="card seen")
    page = client.get(change, **english).content.decode()
    assert 'class="officer-action" data-action="approve"' in page
    assert "approve-blocked" not in page
