"""Customer-group concentration (集团客户): a group's exposure is the sum of its members' loans,
checked daily (by code, or the largest group for a limit on every group) and at decision time
through the same exposure source."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.models import Customer, CustomerGroup
from loanhub import clock, roles
from monitoring import concentration, services
from monitoring.charts import LIGHT_COLOURS
from monitoring.models import ConcentrationExposure
from risk import concentration as risk_concentration
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def maker():
    return UserFactory(username="group-maker", role=roles.RISK_ANALYST)


@pytest.fixture
def checker():
    return UserFactory(username="group-checker", role=roles.RISK_ANALYST)


def _active(maker, checker, **fields):
    limit = risk_concentration.limit_create(actor=maker, **fields)
    risk_concentration.limit_submit(limit=limit, actor=maker)
    return risk_concentration.limit_activate(limit=limit, actor=checker)


@pytest.fixture
def book(make_loan):
    """Group G1: two borrowers of 3,000 each (6,000); a borrower in no group holds 4,000; a book
    of 10,000. Group G2 has one member with no loan."""
    day = clock.today()
    a, b, c = make_loan(), make_loan(), make_loan()
    group = CustomerGroup.objects.create(code="G1", name="华东集团", kind="corporate")
    empty = CustomerGroup.objects.create(code="G2", name="张家", kind="household")
    Customer.objects.filter(pk__in=[a.customer_id, b.customer_id]).update(group=group)
    extra = make_loan().customer
    Customer.objects.filter(pk=extra.pk).update(group=empty)
    snap(a, day, principal="3000.00")
    snap(b, day, principal="3000.00")
    snap(c, day, principal="4000.00")
    return {"day": day, "group": group, "loner": c.customer_id}


def test_group_breaches_where_each_member_alone_does_not(book, maker, checker):
    by_code = _active(
        maker,
        checker,
        dimension="customer_group",
        key="G1",
        basis="share",
        threshold=D("0.50"),
        severity="hard",
    )
    single = _active(
        maker, checker, dimension="borrower", key="", basis="share", threshold=D("0.50"), severity="hard"
    )
    every = _active(
        maker,
        checker,
        dimension="customer_group",
        key="",
        basis="amount",
        threshold=D("5000"),
        severity="soft",
    )
    services.run_monitoring(book["day"])
    rows = {row.limit_id: row for row in ConcentrationExposure.objects.filter(as_of=book["day"])}
    # G1: 3,000 + 3,000 = 6,000 of 10,000 = 0.6000 > 0.50
    assert (rows[by_code.pk].exposure, rows[by_code.pk].value, rows[by_code.pk].breached) == (
        D("6000.00"),
        D("0.6000"),
        True,
    )
    # the largest single borrower is the one outside the group: 4,000 / 10,000 = 0.4000 ≤ 0.50
    assert (rows[single.pk].key, rows[single.pk].value, rows[single.pk].breached) == (
        str(book["loner"]),
        D("0.4000"),
        False,
    )
    # every group: the largest is G1 with 6,000 > 5,000
    assert (rows[every.pk].key, rows[every.pk].value, rows[every.pk].breached) == ("G1", D("6000.0000"), True)


def test_exposure_source_sums_the_members_and_feeds_the_decision_check(book, maker, checker):
    services.run_monitoring(book["day"])
    assert concentration.exposure(dimension="customer_group", key="G1") == risk_concentration.Exposure(
        D("6000.00"), D("10000.00")
    )
    assert concentration.exposure(dimension="customer_group", key="G2").amount == D("0.00")
    limit = _active(
        maker,
        checker,
        dimension="customer_group",
        key="G1",
        basis="share",
        threshold=D("0.60"),
        severity="hard",
    )
    # a third member asks for 1,000: (6,000 + 1,000) / (10,000 + 1,000) = 0.636363… → 0.6364 > 0.60
    found = risk_concentration.check(facts={"customer_group": "G1"}, amount=D("1000"))
    assert [(b.limit_id, b.key, b.value) for b in found] == [(limit.pk, "G1", D("0.6364"))]
    # G2's member: 1,000 / 11,000 is G2's own slice, and the limit names G1 only
    assert risk_concentration.check(facts={"customer_group": "G2"}, amount=D("1000")) == []
    assert risk_concentration.check(facts={"customer_group": ""}, amount=D("1000")) == []


def test_dashboard_shows_the_group_breach_red(client, book, maker, checker):
    _active(
        maker,
        checker,
        dimension="customer_group",
        key="G1",
        basis="share",
        threshold=D("0.50"),
        severity="hard",
    )
    services.run_monitoring(book["day"])
    client.force_login(maker)
    page = client.get("/admin/monitoring/modelstability/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = next(r for r in page.split("<tr>") if "<td>customer_group</td><td>G1</td>" in r)
    assert "0.6000" in row
    assert f'fill="{LIGHT_COLOURS["red"]}"' in row
    assert "breached" in row
