"""A signed-in outsider cannot learn from the profile form or API whether an identity number (or a
credit code) is registered to another customer.

Every refusal of a well-formed number is one answer: the same status, body and message whether
the number is registered to someone else, refused by the daily claim limit while free, or lost to
a registration at the same moment; and past the limit the service does the same work (the same
SQL statements, no audit row) for a free and for a registered number.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import services
from customers.models import Customer, CustomerEvent, EventKind
from loanhub import roles
from tests.customers.factories import (
    GB_EXAMPLE_RIC,
    STDNUM_EXAMPLE_USCC,
    CustomerFactory,
    UserFactory,
    add_id_card,
    make_ric,
    profile_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
ME = "/api/v1/customers/me/"
REFUSED = "This identity number cannot be used for your profile. If it is yours, contact us."
REFUSED_USCC = "This credit code cannot be used for your profile. If it is yours, contact us."


def _outsider(name: str):
    return UserFactory(username=name, role=roles.CUSTOMER, is_staff=False)


def _at_the_limit(user) -> None:
    """`user` has claimed as many other customers' numbers today as the limit allows."""
    for _ in range(services.IDENTITY_CLAIM_LIMIT):
        CustomerEvent.objects.create(
            customer=CustomerFactory(),
            kind=EventKind.CLAIM,
            actor=user,
            from_state="unverified",
            to_state="unverified",
        )


def _put(api, user, number):
    api.force_authenticate(user)
    response = api.put(ME, profile_data(id_number=number), format="json")
    return response.status_code, response.json()


def test_the_api_answers_a_registered_and_a_free_number_alike(api):
    owner = CustomerFactory(id_number=GB_EXAMPLE_RIC)
    free = make_ric(sequence=901)
    unclaimed = CustomerFactory().id_number

    below_the_limit_registered = _put(api, _outsider("first"), owner.id_number)
    limited = _outsider("second")
    _at_the_limit(limited)
    past_the_limit_free = _put(api, limited, free)
    past_the_limit_registered = _put(api, limited, unclaimed)

    expected = (
        400,
        {
            "detail": f"id_number: {REFUSED}",
            "code": "invalid",
            "errors": {"id_number": [REFUSED]},
            "state": None,
        },
    )
    assert below_the_limit_registered == expected
    assert past_the_limit_free == expected
    assert past_the_limit_registered == expected
    assert not Customer.objects.filter(user__username__in=["first", "second"]).exists()


def test_the_answer_names_no_registration_and_no_owner(api):
    owner = CustomerFactory(id_number=GB_EXAMPLE_RIC)
    status, body = _put(api, _outsider("first"), owner.id_number)
    text = str(body).lower()
    assert status == 400
    for clue in ("registered", "already", "sign in", "account", owner.legal_name.lower(), "1101**"):
        assert clue not in text


def test_the_profile_page_answers_a_registered_and_a_free_number_alike(client):
    CustomerFactory(id_number=GB_EXAMPLE_RIC)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def submit(user, number):
        client.force_login(user)
        response = client.post("/customers/me/", profile_data(id_number=number, credit_check_consent="on"))
        form = response.context["form"]
        return response.status_code, dict(form.errors), form.non_field_errors()

    registered = submit(_outsider("first"), GB_EXAMPLE_RIC)
    limited = _outsider("second")
    _at_the_limit(limited)
    free = submit(limited, make_ric(sequence=902))
    assert registered == free == (400, {"id_number": [REFUSED]}, [])


def _statements(queries) -> list[str]:
    """The SQL run, without its values (numbers, strings, savepoint names)."""
    shapes = []
    for query in queries:
        sql = re.sub(r"'[^']*'", "?", query["sql"])
        sql = re.sub(r'"s\d+_x\d+"', '"savepoint"', sql)
        shapes.append(re.sub(r"\b\d+(\.\d+)?\b", "?", sql))
    return shapes


@pytest.mark.parametrize(
    ("customer_type", "extra", "field"),
    [
        ("individual", {}, "id_number"),
        (
            "sole_proprietor",
            {"employment_type": "business_owner", "industry": "餐饮", "annual_revenue": "1200000.00"},
            "uscc",
        ),
    ],
)
def test_past_the_limit_a_free_and_a_registered_number_cost_the_same_work(users, customer_type, extra, field):
    user = users["customer"]
    _at_the_limit(user)
    if field == "uscc":
        # the pair itself is registered (a look-up that stops at the first match would be quicker)
        CustomerFactory(customer_type=customer_type, id_number=GB_EXAMPLE_RIC, uscc=STDNUM_EXAMPLE_USCC)
        registered = {"uscc": STDNUM_EXAMPLE_USCC}
        free = {"uscc": "91350100M000100Y43"}
    else:
        registered = {"id_number": CustomerFactory().id_number}
        free = {"id_number": make_ric(sequence=903)}
    events = CustomerEvent.objects.count()

    answers, work = [], []
    for numbers in (registered, free):
        data = profile_data(customer_type=customer_type, **extra, **numbers)
        with (
            CaptureQueriesContext(connection) as queries,
            pytest.raises(services.CustomerValidationError) as info,
        ):
            services.customer_upsert_for_user(user=user, data=data)
        answers.append(info.value.errors)
        work.append(_statements(queries.captured_queries))

    message = REFUSED if field == "id_number" else REFUSED_USCC
    assert answers == [{field: [message]}, {field: [message]}]
    assert work[0] == work[1]
    assert CustomerEvent.objects.count() == events  # no audit row either way past the limit


def test_a_business_credit_code_of_another_customer_gets_the_generic_answer_and_is_audited(users):
    owner = CustomerFactory(customer_type="small_business", uscc=STDNUM_EXAMPLE_USCC)
    data = profile_data(
        customer_type="small_business",
        uscc=STDNUM_EXAMPLE_USCC,
        employment_type="business_owner",
        industry="餐饮",
        annual_revenue="1200000.00",
    )
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=users["customer"], data=data)
    assert info.value.errors == {"uscc": [REFUSED_USCC]}
    event = CustomerEvent.objects.get(kind=EventKind.CLAIM)
    assert (event.customer, event.actor, event.field) == (owner, users["customer"], "uscc")


def test_a_number_registered_at_the_same_moment_gets_the_same_answer(users, monkeypatch):
    """Two sign-ups race for a number: the loser's unique-constraint refusal is the one answer."""
    CustomerFactory(id_number=GB_EXAMPLE_RIC)
    monkeypatch.setattr(services, "_check_identity_claim", lambda *args: None)  # the look-up saw it free
    with pytest.raises(services.CustomerValidationError) as info:
        services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    assert info.value.errors == {"id_number": [REFUSED]}
    assert not Customer.objects.filter(user=users["customer"]).exists()


def test_a_verified_customer_gets_one_answer_for_a_registered_and_a_free_number(users):
    customer = services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    add_id_card(customer)
    services.customer_verify_identity(customer=customer, actor=users["officer"], reason="ID card checked")
    answers = []
    for number in (CustomerFactory().id_number, make_ric(sequence=904)):
        with pytest.raises(services.CustomerValidationError) as info:
            services.customer_upsert_for_user(user=users["customer"], data=profile_data(id_number=number))
        answers.append(info.value.errors)
    assert answers == [{"id_number": ["Your identity was verified; contact us to change it."]}] * 2
    assert not CustomerEvent.objects.filter(kind=EventKind.CLAIM).exists()


def test_a_claim_is_logged_without_the_number(users, caplog):
    owner = CustomerFactory(id_number=GB_EXAMPLE_RIC)
    with caplog.at_level(logging.INFO), pytest.raises(services.CustomerValidationError):
        services.customer_upsert_for_user(user=users["customer"], data=profile_data())
    logged = caplog.text
    assert f"customer {owner.pk} claimed by user {users['customer'].pk}" in logged
    assert GB_EXAMPLE_RIC not in logged
    assert owner.legal_name not in logged


def test_the_answer_is_in_the_requests_language(users):
    from rest_framework.test import APIClient

    CustomerFactory(id_number=GB_EXAMPLE_RIC)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    status, body = _put(api, users["customer"], GB_EXAMPLE_RIC)
    assert (status, body["errors"]) == (
        400,
        {"id_number": ["该身份证号码无法用于您的资料。如确属本人，请联系我们。"]},
    )
