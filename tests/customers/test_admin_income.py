"""Officers re-verify a customer's income in the admin (Customers → Income re-verifications):
through the service, so the profile follows and early warning's income_drop sees it; analysts
may only read the list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.models import CustomerEvent, IncomeVerification
from loanhub import roles
from tests.customers.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/customers/incomeverification/"


def _staff(username: str, role: str):
    user = UserFactory(username=username, role=role)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_an_officer_adds_a_reverification_and_the_profile_follows(client):
    customer = CustomerFactory(monthly_income=Decimal("10000.00"))
    officer = _staff("verifier", roles.LOAN_OFFICER)
    client.force_login(officer)

    assert client.get(f"{URL}add/").status_code == 200
    response = client.post(
        f"{URL}add/", {"customer": customer.pk, "monthly_income": "7500.00", "note": "payslips"}
    )

    assert response.status_code == 302
    row = IncomeVerification.objects.get()
    customer.refresh_from_db()
    assert (row.source, row.verified_by, row.monthly_income) == ("officer", officer, Decimal("7500.00"))
    assert customer.monthly_income == Decimal("7500.00")
    assert CustomerEvent.objects.filter(customer=customer, field="monthly_income").count() == 1
    assert client.get(URL).status_code == 200


def test_a_negative_income_is_a_field_error_and_changes_nothing(client):
    customer = CustomerFactory(monthly_income=Decimal("10000.00"))
    client.force_login(_staff("verifier", roles.LOAN_OFFICER))

    response = client.post(f"{URL}add/", {"customer": customer.pk, "monthly_income": "-1", "note": ""})

    assert response.status_code == 200
    assert "monthly_income" in response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.monthly_income == Decimal("10000.00")
    assert not IncomeVerification.objects.exists()


def test_an_analyst_reads_but_may_not_add(client):
    client.force_login(_staff("analyst", roles.RISK_ANALYST))
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}add/").status_code == 403
