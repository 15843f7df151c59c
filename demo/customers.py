"""Demo customers: identity numbers and mobile numbers that pass `customers.validators`, and the
customer rows built from them. The numbers are generated (valid check digit) and belong to no one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from stdnum.cn import ric

from customers.models import Customer
from loanhub import roles

REGION = "110105"  # Beijing, Chaoyang district


def demo_id_number(index: int, born: dt.date) -> str:
    body = f"{REGION}{born:%Y%m%d}{index:03d}"
    # stdnum's calc_check_digit takes the whole 18-character number and skips its last character,
    # so the 17-digit body goes in with a placeholder where the check digit will be.
    return body + ric.calc_check_digit(body + "X")


def demo_phone(index: int) -> str:
    return f"1380013{index:04d}"


def seed_customer(
    index: int, username: str, name: str, born: dt.date, income: str, password: str | None
) -> Customer:
    """The customer and their user; `password=None` makes a user who cannot log in (the simulated
    borrowers: hashing a password for each would make seeding slow)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.loanhub.local"}
    )
    if created:
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
    user.groups.add(Group.objects.get(name=roles.CUSTOMER))
    return Customer.objects.create(
        user=user,
        legal_name=name,
        id_number=demo_id_number(index, born),
        date_of_birth=born,
        phone=demo_phone(index),
        email=user.email,
        region="北京",
        employment_type="salaried",
        employer="示例科技有限公司",
        industry="IT",
        years_employed=6,
        monthly_income=Decimal(income),
        monthly_debt=Decimal("800.00"),
    )


# The smallest PNG header the upload check recognises: a stand-in for a scanned identity card.
DEMO_CARD_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32


def seed_identity_card(customer: Customer) -> None:
    """An identity-card upload by the customer (an identity is verified against one), once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers import services as customer_services
    from customers.models import DocumentKind

    if customer.documents.filter(kind=DocumentKind.ID_CARD).exists():
        return
    customer_services.document_upload(
        customer=customer,
        kind=DocumentKind.ID_CARD,
        file=SimpleUploadedFile("id-card.png", DEMO_CARD_PNG, content_type="image/png"),
        actor=customer.user,
    )


def seed_verified_phone(customer: Customer) -> None:
    """The customer's phone as proven by a one-time code (as if they had typed the SMS), once."""
    from customers import selectors as customer_selectors
    from customers.models import PhoneCode
    from customers.phone import phone_digest
    from loanhub import clock

    if customer_selectors.phone_is_verified(customer=customer):
        return
    now = clock.now()
    PhoneCode.objects.create(
        customer=customer,
        phone_digest=phone_digest(customer),
        code_digest="demo",  # matches no code: this row only records the (simulated) proof
        sent_at=now,
        expires_at=now,
        verified_at=now,
    )
