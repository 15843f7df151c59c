"""factory_boy factories and helpers for customers tests: users in a role, customers, files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Customer, CustomerType, EmploymentType
from loanhub import roles

# ISO 7064 MOD 11-2 as GB 11643-1999 §8 defines it, written out here so the tests do not only
# trust python-stdnum: weights 2^(17-i) mod 11, check character from "10X98765432".
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ric_check_character(body17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def make_ric(region: str = "110105", birth: str = "19850615", sequence: int = 123) -> str:
    """A valid resident identity number (110105 = Beijing Chaoyang district)."""
    body = f"{region}{birth}{sequence:03d}"
    return body + ric_check_character(body)


# Worked examples from public sources.
# GB 11643-1999 "Citizen identity number", appendix example
# (also on zh.wikipedia "中华人民共和国公民身份号码").
GB_EXAMPLE_RIC = "11010519491231002X"
# python-stdnum's stdnum.cn.ric doctest.
STDNUM_EXAMPLE_RIC = "360426199101010071"
# python-stdnum's stdnum.cn.uscc doctest (an SAIC-registered enterprise in Beijing).
STDNUM_EXAMPLE_USCC = "91110000600037341L"

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"cuser{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-9")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    """An unverified individual customer with a valid identity number and phone."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True  # the id_card hook adds a row; the customer is not saved again

    user = factory.SubFactory(UserFactory, role=roles.CUSTOMER, is_staff=False)
    customer_type = CustomerType.INDIVIDUAL
    legal_name = factory.Sequence(lambda n: f"客户{n}")
    id_number = factory.Sequence(lambda n: make_ric(sequence=n % 1000, birth=f"{1970 + n // 1000}0615"))
    date_of_birth = factory.LazyAttribute(
        lambda c: dt.date(int(c.id_number[6:10]), int(c.id_number[10:12]), int(c.id_number[12:14]))
    )
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.LazyAttribute(lambda c: c.user.email)
    region = "北京"
    employment_type = EmploymentType.SALARIED
    employer = "北京示例科技有限公司"
    years_employed = 4
    monthly_income = Decimal("15000.00")
    monthly_debt = Decimal("1500.00")

    @factory.post_generation
    def id_card(self, create, extracted, **kwargs):
        """`CustomerFactory(id_card=True)`: an identity card on file (what KYC verifies against)."""
        if create and extracted:
            add_id_card(self)

    @factory.post_generation
    def phone_verified(self, create, extracted, **kwargs):
        """`CustomerFactory(phone_verified=True)`: the current phone proven by a one-time code."""
        if create and extracted:
            add_verified_phone(self)


def add_id_card(customer) -> None:
    """An identity-card document row (the file itself is not needed by the KYC rules)."""
    from customers.models import Document, DocumentKind

    Document.objects.create(
        customer=customer,
        kind=DocumentKind.ID_CARD,
        file=f"{customer.pk}/id-card.png",
        content_type="image/png",
        size=len(PNG_BYTES),
        sha256="0" * 64,
    )


def add_verified_phone(customer) -> None:
    """A used phone code for the customer's current number (what submission asks for)."""
    from customers.models import PhoneCode
    from customers.phone import phone_digest
    from loanhub import clock

    now = clock.now()
    PhoneCode.objects.create(
        customer=customer,
        phone_digest=phone_digest(customer),
        code_digest="0" * 64,
        sent_at=now,
        expires_at=now,
        verified_at=now,
    )


def role_users() -> dict[str, object]:
    """One user per role (staff roles are staff), keyed by a short name."""
    return {
        "customer": UserFactory(username="cust", role=roles.CUSTOMER, is_staff=False),
        "officer": UserFactory(username="officer", role=roles.LOAN_OFFICER),
        "senior": UserFactory(username="senior", role=roles.SENIOR_APPROVER),
        "analyst": UserFactory(username="analyst", role=roles.RISK_ANALYST),
        "pm": UserFactory(username="pm", role=roles.PRODUCT_MANAGER),
        "marketing": UserFactory(username="marketing", role=roles.MARKETING_MANAGER),
        "auditor": UserFactory(username="auditor", role=roles.AUDITOR),
    }


def profile_data(**overrides) -> dict:
    """A complete, valid API/service profile of a salaried individual."""
    data = {
        "customer_type": "individual",
        "legal_name": "张三",
        "id_number": GB_EXAMPLE_RIC,
        "phone": "13812345678",
        "email": "zhangsan@example.com",
        "region": "北京",
        "employment_type": "salaried",
        "employer": "北京示例科技有限公司",
        "industry": "",
        "years_employed": 5,
        "monthly_income": "15000.00",
        "monthly_debt": "2000.00",
        "credit_check_consent": True,
    }
    data.update(overrides)
    return data
