"""Income re-verification: the customer's monthly income checked again after their application,
kept as `IncomeVerification` rows (early warning's `income_drop` compares the latest with the
income the application was decided on). The customer's own change of income on the portal is one
(`services.customer_upsert_for_user`); a Loan Officer's re-verification is another."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from customers.errors import CustomerNotFound, CustomerPermissionError, CustomerValidationError
from customers.fields import parse_money
from customers.models import Customer, EventKind, IncomeSource, IncomeVerification
from customers.services import _note
from loanhub import clock
from loanhub.money import quantize_money
from loanhub.permissions import may


def income_verified(customer: Customer, amount, *, source: str, actor, note: str = "") -> IncomeVerification:
    return IncomeVerification.objects.create(
        customer=customer,
        monthly_income=amount,
        verified_on=clock.today(),
        source=source,
        verified_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )


def customer_income_reverify(
    *, customer: Customer | int, monthly_income, actor, note: str = ""
) -> IncomeVerification:
    """A Loan Officer re-verified the customer's monthly income (payslips, tax records): recorded
    as an `IncomeVerification` (early warning compares it with the income at application) and set
    on the profile, with a change event. Forbidden to others; a field error on a bad amount."""
    if not may(actor, "customers.change_customer"):
        raise CustomerPermissionError(_("You may not change customers."))
    errors: dict = {}
    amount = parse_money({"monthly_income": monthly_income}, "monthly_income", errors, required=True)
    if errors:
        raise CustomerValidationError(errors)
    amount = quantize_money(amount)
    pk = customer.pk if isinstance(customer, Customer) else customer
    with transaction.atomic():
        locked = Customer.objects.select_for_update().filter(pk=pk).first()
        if locked is None:
            raise CustomerNotFound(_("No such customer."))
        verification = income_verified(locked, amount, source=IncomeSource.OFFICER, actor=actor, note=note)
        if locked.monthly_income != amount:
            _note(
                locked,
                kind=EventKind.CHANGE,
                actor=actor,
                field="monthly_income",
                payload={"from": str(locked.monthly_income), "to": str(amount), "reverified": True},
            )
            locked.monthly_income = amount
            locked.save(update_fields=["monthly_income", "updated_at"])
    return verification
