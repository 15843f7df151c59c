"""Business customers' data: the service's rules (owner only, businesses only, cross-field checks,
nothing saved on a refusal, an audit row) and the portal page in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.business import business_facts, business_profile_get, business_profile_put
from customers.models import BusinessProfile, CustomerEvent, CustomerType, EmploymentType
from loanhub.errors import Conflict, Invalid, NotFound
from tests.customers.factories import CustomerFactory, role_users

pytestmark = pytest.mark.django_db
DATA = {
    "annual_revenue": Decimal("1200000.00"),
    "annual_revenue_previous": Decimal("1000000.00"),
    "net_profit": Decimal("90000.00"),
    "net_profit_previous": Decimal("-20000.00"),
    "total_assets": Decimal("800000.00"),
    "total_liabilities": Decimal("300000.00"),
    "years_trading": 4,
    "industry": "H",
    "tax_rating": "B",
    "employees": 6,
}
FORM = {k: str(v) for k, v in DATA.items()}


@pytest.fixture
def shop():
    return CustomerFactory(
        customer_type=CustomerType.SOLE_PROPRIETOR, employment_type=EmploymentType.SELF_EMPLOYED
    )


def test_the_owner_enters_and_replaces_the_business_data_with_an_audit_row(shop):
    profile, created = business_profile_put(customer=shop, actor=shop.user, data=DATA)
    assert created
    assert business_facts(customer_id=shop.pk)["net_profit_previous"] == Decimal("-20000.00")
    profile, created = business_profile_put(customer=shop, actor=shop.user, data={**DATA, "employees": 7})
    assert not created
    assert BusinessProfile.objects.get().employees == 7
    assert CustomerEvent.objects.filter(customer=shop, field="business_profile").count() == 2


def test_refusals_name_the_field_and_change_nothing(shop):
    business_profile_put(customer=shop, actor=shop.user, data=DATA)
    with pytest.raises(Invalid) as caught:
        business_profile_put(
            customer=shop,
            actor=shop.user,
            data={**DATA, "net_profit": Decimal("2000000.00"), "total_assets": Decimal("0")},
        )
    assert set(caught.value.errors) == {"net_profit", "total_assets"}
    with pytest.raises(Invalid) as caught:
        business_profile_put(customer=shop, actor=shop.user, data={**DATA, "industry": None})
    assert set(caught.value.errors) == {"industry"}
    assert BusinessProfile.objects.get().net_profit == DATA["net_profit"]


def test_only_the_owner_writes_and_only_a_business_has_business_data(shop):
    other = CustomerFactory()
    with pytest.raises(NotFound):
        business_profile_put(customer=shop, actor=other.user, data=DATA)
    with pytest.raises(NotFound):
        business_profile_get(customer=shop, actor=other.user)
    with pytest.raises(Conflict):
        business_profile_put(customer=other, actor=other.user, data=DATA)
    officer = role_users()["officer"]
    with pytest.raises(NotFound):
        business_profile_put(customer=shop, actor=officer, data=DATA)
    assert business_profile_get(customer=shop, actor=officer) is None  # staff read, none yet
    assert not BusinessProfile.objects.exists()


def test_the_portal_page_saves_the_data_and_shows_field_errors(client, shop):
    client.force_login(shop.user)
    page = client.get("/customers/me/business/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'name="annual_revenue"' in page.content
    refused = client.post(
        "/customers/me/business/", {**FORM, "net_profit": "5000000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400
    assert "The net profit cannot exceed the revenue of the same year." in refused.content.decode()
    assert not BusinessProfile.objects.exists()
    saved = client.post("/customers/me/business/", FORM)
    assert saved.status_code == 302
    assert BusinessProfile.objects.get(customer=shop).industry == "H"
    again = client.get("/customers/me/business/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "经营数据" in again
    assert "H 住宿和餐饮业" in again
    assert 'value="1200000.00"' in again


def test_an_individual_is_told_business_data_is_for_businesses(client):
    individual = CustomerFactory()
    client.force_login(individual.user)
    page = client.get("/customers/me/business/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Business data is for small businesses and sole proprietors." in page
    assert 'name="annual_revenue"' not in page
