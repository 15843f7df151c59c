"""The promotion pilots' API: a Marketing Manager drafts, reads, starts and ends a pilot; other
staff and customers are refused; bad input is a field error, a wrong state a conflict."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from loanhub import clock
from marketing.models import PilotMember, PromotionPilot, Segment
from products import choices as pc
from tests.customers.factories import CustomerFactory
from tests.products.factories import PromotionFactory, version_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/marketing/pilots/"


@pytest.fixture
def catalogue():
    since = clock.today() - dt.timedelta(days=1)
    version = version_in(pc.ProductStatus.ACTIVE, product__code="CASH", available_from=since)
    PromotionFactory(
        version=version,
        code="spring30",
        discount_bps=30,
        starts_on=since,
        ends_on=since + dt.timedelta(days=60),
    )
    return Segment.objects.create(name="Zhejiang", rules={"regions": ["杭州", "宁波"]})


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_marketing_manager_drafts_reads_starts_and_ends_a_pilot(manager, catalogue):
    hz, nb = CustomerFactory(region="杭州"), CustomerFactory(region="宁波")
    api = _api(manager)
    created = api.post(
        URL,
        {
            "name": "Hangzhou first",
            "product": "cash",
            "promotion": "spring30",
            "segment": catalogue.pk,
            "regions": ["杭州"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["product"], body["promotion"], body["state"], body["comparison"]) == (
        "CASH",
        "spring30",
        "draft",
        None,
    )
    pk = body["id"]
    assert [row["id"] for row in api.get(URL).json()] == [pk]

    started = api.post(f"{URL}{pk}/start/")
    assert started.status_code == 200, started.content
    assert started.json()["state"] == "running"
    groups = dict(PilotMember.objects.filter(pilot_id=pk).values_list("customer_id", "group"))
    assert groups == {hz.pk: "pilot", nb.pk: "control"}
    read = api.get(f"{URL}{pk}/").json()
    assert [read["comparison"]["pilot"][0]["count"], read["comparison"]["control"][0]["count"]] == [1, 1]
    assert api.post(f"{URL}{pk}/start/").status_code == 409  # running already

    ended = api.post(f"{URL}{pk}/end/")
    assert ended.status_code == 200
    assert ended.json()["state"] == "ended"
    assert ended.json()["ended_at"] is not None
    assert api.post(f"{URL}{pk}/end/").status_code == 409


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "share"),  # no limit: no control
        ({"share": 0}, "share"),
        ({"channels": ["fax"]}, "channels"),
        ({"promotion": "nope", "share": 10}, "promotion_code"),
        ({"product": "NOPE", "share": 10}, "product_code"),
    ],
)
def test_bad_pilots_are_field_errors_and_save_nothing(manager, catalogue, fields, field):
    data = {"name": "x", "product": "CASH", "promotion": "spring30", "segment": catalogue.pk, **fields}
    response = _api(manager).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not PromotionPilot.objects.exists()


def test_an_unknown_segment_or_pilot_is_not_found(manager, catalogue):
    api = _api(manager)
    data = {"name": "x", "product": "CASH", "promotion": "spring30", "segment": 999999, "share": 10}
    assert api.post(URL, data, format="json").status_code == 404
    assert api.get(f"{URL}999999/").status_code == 404
    assert api.post(f"{URL}999999/start/").status_code == 404


def test_other_staff_and_customers_are_refused(manager, auditor, officer, catalogue):
    pilot = PromotionPilot.objects.create(
        name="p", product_code="CASH", promotion_code="spring30", segment=catalogue, share=10
    )
    customer = CustomerFactory(region="杭州")
    for user in (auditor, officer, customer.user):
        api = _api(user)
        assert api.get(URL).status_code == 403
        assert api.get(f"{URL}{pilot.pk}/").status_code == 403
        assert api.post(f"{URL}{pilot.pk}/start/").status_code == 403
        assert api.post(URL, {"name": "x"}, format="json").status_code == 403
    assert APIClient().get(URL).status_code == 401
    pilot.refresh_from_db()
    assert pilot.state == "draft"
