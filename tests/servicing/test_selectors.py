"""Who sees which loans: the owner, staff with servicing.view_loan, nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from servicing import selectors
from servicing.models import Loan
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_a_customer_sees_only_their_own_loans(people):
    assert _ids(selectors.loans_for_actor(people["owner"])) == {people["owner_loan"].pk}
    assert _ids(selectors.loans_for_actor(people["other"])) == {people["other_loan"].pk}
    assert _ids(selectors.loans_for_actor(people["idle"])) == set()


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_staff_who_may_view_loans_see_all(people, who):
    assert _ids(selectors.loans_for_actor(people[who])) == {people["owner_loan"].pk, people["other_loan"].pk}


def test_others_see_none(people):
    no_customer_profile = UserFactory(username="plain", is_staff=False)
    inactive_owner = people["owner"]
    inactive_owner.is_active = False
    for user in (AnonymousUser(), None, people["marketing"], no_customer_profile, inactive_owner):
        assert _ids(selectors.loans_for_actor(user)) == set(), user


def test_the_named_permission_decides_not_staff_status(people):
    # One predicate style (loanhub.permissions.may): staff status alone grants nothing, and the
    # permission a role grants is what counts.
    staff_without_role = UserFactory(username="staff-only", is_staff=True)
    assert _ids(selectors.loans_for_actor(staff_without_role)) == set()
    officer = people["officer"]
    officer.is_staff = False
    officer.save(update_fields=["is_staff"])
    officer = type(officer).objects.get(pk=officer.pk)  # no cached permissions
    assert _ids(selectors.loans_for_actor(officer)) == {people["owner_loan"].pk, people["other_loan"].pk}


def test_loan_get_for_actor(people):
    owner_loan, other_loan = people["owner_loan"], people["other_loan"]
    assert selectors.loan_get_for_actor(loan_id=owner_loan.pk, actor=people["owner"]) == owner_loan
    assert selectors.loan_get_for_actor(loan_id=other_loan.pk, actor=people["auditor"]) == other_loan
    with pytest.raises(Loan.DoesNotExist):
        selectors.loan_get_for_actor(loan_id=other_loan.pk, actor=people["owner"])
    with pytest.raises(Loan.DoesNotExist):
        selectors.loan_get_for_actor(loan_id=owner_loan.pk, actor=AnonymousUser())
    with pytest.raises(Loan.DoesNotExist):
        selectors.loan_get_for_actor(loan_id=10**9, actor=people["officer"])


def test_the_portal_shows_staff_only_their_own_loans(people):
    assert _ids(selectors.loans_of_user(people["officer"])) == set()
    assert _ids(selectors.loans_of_user(people["owner"])) == {people["owner_loan"].pk}
