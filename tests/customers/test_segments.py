"""The catalogue segments a customer's profile puts them in (promotions and fee waivers name
segments; an offer applies the applicant's), and the lender's own mark: payroll customers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers import selectors, services
from customers.models import CustomerEvent, EventKind
from loanhub import clock
from loanhub.errors import Forbidden
from products.choices import Segment
from tests.customers.factories import CustomerFactory, profile_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.mark.parametrize(
    ("years_ago", "graduate"),
    [(-2, True), (0, True), (selectors.GRADUATE_YEARS, True), (selectors.GRADUATE_YEARS + 1, False)],
)
def test_a_recent_graduate_is_in_the_graduate_segment_whatever_their_work(years_ago, graduate):
    # A founder who graduated last year is a graduate for BIZ-START's graduate promotion.
    customer = CustomerFactory(
        employment_type="self_employed", graduation_year=clock.today().year - years_ago, years_employed=1
    )
    segments = selectors.customer_segments(customer)
    assert (Segment.GRADUATE in segments) is graduate
    assert Segment.ENTREPRENEUR in segments


def test_students_are_graduates_and_salaried_people_are_salaried():
    assert Segment.GRADUATE in selectors.customer_segments(CustomerFactory(employment_type="student"))
    salaried = selectors.customer_segments(CustomerFactory(employment_type="salaried", graduation_year=None))
    assert Segment.SALARIED in salaried
    assert Segment.GRADUATE not in salaried
    assert Segment.PAYROLL not in salaried


def test_the_graduate_segment_follows_the_date_asked_about():
    customer = CustomerFactory(graduation_year=clock.today().year)
    later = clock.today().replace(year=clock.today().year + selectors.GRADUATE_YEARS + 1, day=1)
    assert Segment.GRADUATE in selectors.customer_segments(customer)
    assert Segment.GRADUATE not in selectors.customer_segments(customer, on_date=later)


def test_the_profile_takes_a_graduation_year_and_refuses_an_impossible_one(users):
    year = clock.today().year - 1
    customer = services.customer_upsert_for_user(
        user=users["customer"], data=profile_data(graduation_year=year)
    )
    assert customer.graduation_year == year
    too_late = clock.today().year + services.GRADUATION_YEARS_AHEAD + 1
    for bad in (str(too_late), "1800", "soon"):
        with pytest.raises(services.CustomerValidationError) as caught:
            services.customer_upsert_for_user(user=users["customer"], data=profile_data(graduation_year=bad))
        assert list(caught.value.errors) == ["graduation_year"]
    customer.refresh_from_db()
    assert customer.graduation_year == year


def test_an_officer_marks_a_payroll_customer_and_it_is_recorded(users):
    customer = CustomerFactory(monthly_income=Decimal("9000.00"))
    services.customer_set_payroll(customer=customer, payroll=True, actor=users["officer"])
    customer.refresh_from_db()
    assert customer.payroll_customer is True
    assert Segment.PAYROLL in selectors.customer_segments(customer)
    event = CustomerEvent.objects.get(customer=customer, kind=EventKind.CHANGE, field="payroll_customer")
    assert (event.actor, event.payload) == (users["officer"], {"from": False, "to": True})
    # Marking again changes nothing and records nothing.
    services.customer_set_payroll(customer=customer, payroll=True, actor=users["officer"])
    assert CustomerEvent.objects.filter(customer=customer, field="payroll_customer").count() == 1


@pytest.mark.parametrize("role", ["customer", "auditor", "analyst", "marketing"])
def test_only_officers_mark_payroll_customers(users, role):
    customer = CustomerFactory()
    with pytest.raises(Forbidden):
        services.customer_set_payroll(customer=customer, payroll=True, actor=users[role])
    customer.refresh_from_db()
    assert customer.payroll_customer is False
    assert not CustomerEvent.objects.filter(customer=customer, field="payroll_customer").exists()
