"""Customer groups (集团客户/关联客户): Loan Officers name a group and list its members, whose
exposures a concentration limit on the dimension `customer_group` counts together.

A customer belongs to at most one group (`Customer.group`); moving one from another group is
refused, so a membership never changes by accident. Every change of a member is a customer event
(field `group`) and a row of the customer's history. A group's code never changes once created:
concentration limits name it.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from customers.errors import CustomerPermissionError, CustomerValidationError
from customers.models import Customer, CustomerEvent, CustomerGroup, CustomerGroupKind, EventKind
from loanhub.permissions import may

ADD_GROUP = "customers.add_customergroup"
CHANGE_GROUP = "customers.change_customergroup"
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NUMBER = re.compile(r"^[Cc]?0*(\d{1,12})$")


def customer_group_create(*, actor, code: str, name: str, kind: str) -> CustomerGroup:
    """A new group by a Loan Officer; field errors as `CustomerValidationError`."""
    if not may(actor, ADD_GROUP):
        raise CustomerPermissionError(_("You may not change customer groups."))
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not _CODE.match(code):
        errors["code"] = [_("A group code is 1 to 32 letters, digits, '-' or '_'.")]
    elif CustomerGroup.objects.filter(code=code).exists():
        errors["code"] = [_("A customer group with this code already exists.")]
    if not name:
        errors["name"] = [_("Name the group.")]
    if kind not in CustomerGroupKind.values:
        errors["kind"] = [_("One of: %(kinds)s.") % {"kinds": ", ".join(CustomerGroupKind.values)}]
    if errors:
        raise CustomerValidationError(errors)
    return CustomerGroup.objects.create(code=code, name=name, kind=kind)


def customer_group_rename(*, group: CustomerGroup, actor, name: str, kind: str) -> CustomerGroup:
    """Change a group's name or kind (never its code)."""
    if not may(actor, CHANGE_GROUP):
        raise CustomerPermissionError(_("You may not change customer groups."))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the group.")]
    if kind not in CustomerGroupKind.values:
        errors["kind"] = [_("One of: %(kinds)s.") % {"kinds": ", ".join(CustomerGroupKind.values)}]
    if errors:
        raise CustomerValidationError(errors)
    group.name, group.kind = name, kind
    group.save(update_fields=["name", "kind"])
    return group


def parse_customer_numbers(text: str) -> list[int]:
    """Customer numbers (C0000042 or 42), one per line or separated by commas or spaces."""
    ids, bad = [], []
    for token in re.split(r"[\s,，;]+", text or ""):
        if not token:
            continue
        match = _NUMBER.match(token)
        if match:
            ids.append(int(match.group(1)))
        else:
            bad.append(token)
    if bad:
        raise CustomerValidationError(
            {"members": [_("Not a customer number: %(values)s.") % {"values": ", ".join(bad)}]}
        )
    return list(dict.fromkeys(ids))


def customer_group_set_members(*, group: CustomerGroup, customer_ids: list[int], actor) -> CustomerGroup:
    """Make exactly `customer_ids` the group's members: customers no longer listed leave it, new
    ones join. Unknown customers, or ones in another group, are field errors and change nothing."""
    if not may(actor, CHANGE_GROUP):
        raise CustomerPermissionError(_("You may not change customer groups."))
    wanted = set(customer_ids)
    with transaction.atomic():
        locked = list(Customer.objects.select_for_update().filter(Q(pk__in=wanted) | Q(group=group)))
        found = {c.pk for c in locked}
        errors = []
        missing = sorted(wanted - found)
        if missing:
            errors.append(
                _("No such customer: %(values)s.") % {"values": ", ".join(f"C{pk:07d}" for pk in missing)}
            )
        elsewhere = sorted(str(c) for c in locked if c.group_id not in (None, group.pk))
        if elsewhere:
            errors.append(
                _("Already in another group (remove them there first): %(values)s.")
                % {"values": ", ".join(elsewhere)}
            )
        if errors:
            raise CustomerValidationError({"members": errors})
        for customer in sorted(locked, key=lambda c: c.pk):
            target = group.pk if customer.pk in wanted else None
            if customer.group_id == target:
                continue
            CustomerEvent.objects.create(
                customer=customer,
                kind=EventKind.CHANGE,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                from_state=customer.kyc_status,
                to_state=customer.kyc_status,
                field="group",
                payload={
                    "from": group.code if customer.group_id else None,
                    "to": group.code if target else None,
                },
            )
            customer.group_id = target
            customer.save(update_fields=["group", "updated_at"])
    return group
