"""Customer groups (集团客户/关联客户): Loan Officers keep them (service and admin), every member
change is a customer event, a customer is in one group at most; auditors only read."""

from __future__ import annotations

import pytest

from customers import groups
from customers.models import Customer, CustomerEvent, CustomerGroup
from loanhub import roles
from loanhub.errors import Forbidden, Invalid
from tests.customers.factories import CustomerFactory
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
# The members inline is read-only: its management form only.
NO_ROWS = {"members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"}


@pytest.fixture
def officer():
    return UserFactory(username="group-officer", role=roles.LOAN_OFFICER, is_staff=True)


@pytest.fixture
def auditor():
    return UserFactory(username="group-auditor", role=roles.AUDITOR, is_staff=True)


def test_officer_creates_a_group_and_sets_its_members(officer):
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    group = groups.customer_group_create(actor=officer, code="G1", name="华东集团", kind="corporate")
    groups.customer_group_set_members(group=group, customer_ids=[a.pk, b.pk], actor=officer)
    assert set(group.members.values_list("pk", flat=True)) == {a.pk, b.pk}
    groups.customer_group_set_members(group=group, customer_ids=[b.pk, c.pk], actor=officer)
    assert set(group.members.values_list("pk", flat=True)) == {b.pk, c.pk}
    events = CustomerEvent.objects.filter(field="group").order_by("pk")
    assert [(e.customer_id, e.payload) for e in events] == [
        (a.pk, {"from": None, "to": "G1"}),
        (b.pk, {"from": None, "to": "G1"}),
        (a.pk, {"from": "G1", "to": None}),
        (c.pk, {"from": None, "to": "G1"}),
    ]
    assert [e.actor for e in events] == [officer] * 4
    assert Customer.history.filter(id=c.pk, group_id=group.pk).exists()


def test_refused_changes_change_nothing(officer, auditor):
    a, b = CustomerFactory(), CustomerFactory()
    one = groups.customer_group_create(actor=officer, code="G1", name="一", kind="related")
    two = groups.customer_group_create(actor=officer, code="G2", name="二", kind="household")
    groups.customer_group_set_members(group=one, customer_ids=[a.pk], actor=officer)
    with pytest.raises(Invalid) as error:  # a is in G1; 999999 does not exist
        groups.customer_group_set_members(group=two, customer_ids=[a.pk, b.pk, 999999], actor=officer)
    assert set(error.value.errors) == {"members"}
    assert len(error.value.errors["members"]) == 2
    with pytest.raises(Forbidden):
        groups.customer_group_set_members(group=two, customer_ids=[b.pk], actor=auditor)
    with pytest.raises(Forbidden):
        groups.customer_group_create(actor=auditor, code="G3", name="三", kind="related")
    with pytest.raises(Invalid) as error:
        groups.customer_group_create(actor=officer, code="G1", name="", kind="planet")
    assert set(error.value.errors) == {"code", "name", "kind"}
    assert list(two.members.all()) == []
    assert list(Customer.objects.filter(group=one)) == [a]
    assert CustomerGroup.objects.count() == 2


def test_parse_customer_numbers():
    assert groups.parse_customer_numbers("C0000042\n7, c0000042 ") == [42, 7]
    with pytest.raises(Invalid):
        groups.parse_customer_numbers("C42 13800000000x")


def test_admin_officer_keeps_groups_auditor_reads(client, officer, auditor):
    a, b = CustomerFactory(), CustomerFactory()
    client.force_login(officer)
    response = client.post(
        "/admin/customers/customergroup/add/",
        {"code": "G1", "name": "华东集团", "kind": "corporate", "member_numbers": f"{a}\n{b}", **NO_ROWS},
    )
    assert response.status_code == 302
    group = CustomerGroup.objects.get()
    assert set(group.members.values_list("pk", flat=True)) == {a.pk, b.pk}
    page = client.get(f"/admin/customers/customergroup/{group.pk}/change/").content.decode()
    assert str(a) in page
    assert a.id_number not in page  # members are never shown with their identifiers
    assert a.phone not in page

    c = CustomerFactory()
    response = client.post(  # the officer edits: b leaves, c joins
        f"/admin/customers/customergroup/{group.pk}/change/",
        {"name": "华东集团", "kind": "corporate", "member_numbers": f"{a}\n{c}", **NO_ROWS},
    )
    assert response.status_code == 302
    assert set(group.members.values_list("pk", flat=True)) == {a.pk, c.pk}

    client.force_login(auditor)
    assert client.get(f"/admin/customers/customergroup/{group.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/customers/customergroup/{group.pk}/change/",
        {"name": "改名", "kind": "household", "member_numbers": "", **NO_ROWS},
    )
    assert response.status_code == 403
    assert client.get("/admin/customers/customergroup/add/").status_code == 403
    group.refresh_from_db()
    assert (group.name, group.members.count()) == ("华东集团", 2)
