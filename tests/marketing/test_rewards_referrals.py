"""Referral codes: taken once, before the first loan, never one's own or from the same person;
the referrer earns points once, on the referee's first disbursement."""

from __future__ import annotations

import pytest

from applications import services as application_services
from loanhub import roles
from loanhub.errors import Conflict, Invalid, NotFound
from marketing.rewards import selectors, services
from marketing.rewards.models import EntryKind, PointsEntry, Referral
from tests.applications.conftest import make_customer, product, users  # noqa: F401
from tests.marketing.test_rewards_offer import CONSENTS, approved  # noqa: F401
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, open_loan

pytestmark = pytest.mark.django_db


def _code(customer) -> str:
    return services.account_for(customer_id=customer.pk).referral_code


@pytest.fixture
def referrer(db):
    return make_customer("referrer")


def test_the_referrer_earns_once_on_the_referees_first_disbursement(approved, referrer, users, settings):  # noqa: F811
    settings.LOANHUB_POINTS_PER_REFERRAL = 200
    referee = approved.customer
    referral = services.referral_claim(actor=referee.user, code=_code(referrer).lower())  # any case
    assert (referral.referrer, referral.referee) == (referrer, referee)
    assert not PointsEntry.objects.exists()  # nothing before the money goes out
    accepted = application_services.application_accept_offer(
        application=approved, actor=referee.user, consents=CONSENTS
    )
    application_services.application_disburse(application=accepted, actor=users["officer"])
    earned = PointsEntry.objects.get()
    assert (earned.account.customer, earned.kind, earned.points, earned.referral) == (
        referrer,
        EntryKind.EARN_REFERRAL,
        200,
        referral,
    )
    assert selectors.rewards_summary(customer=referrer)["referrals_rewarded"] == 1
    # A second disbursement (another loan, the hook again) rewards nothing more.
    assert services.referral_on_disbursement(application=accepted) is None
    assert PointsEntry.objects.count() == 1
    assert selectors.rewards_summary(customer=referee)["balance"] == 0


def test_ones_own_code_is_refused(referrer):
    with pytest.raises(Invalid) as refused:
        services.referral_claim(actor=referrer.user, code=_code(referrer))
    assert refused.value.errors == {"code": ["You cannot use your own referral code."]}
    assert not Referral.objects.exists()


@pytest.mark.parametrize("same", ["phone", "id_number"])
def test_a_code_of_the_same_person_under_another_profile_is_refused(referrer, same):
    fields = (
        {"phone": referrer.phone}
        if same == "phone"
        else {"id_number": referrer.id_number, "uscc": "91110000MA01234567"}
    )
    twin = make_customer("twin", **fields)
    with pytest.raises(Invalid) as refused:
        services.referral_claim(actor=twin.user, code=_code(referrer))
    # The message never says which detail matched (that would reveal the referrer's data).
    assert refused.value.errors == {"code": ["This referral code cannot be used for your profile."]}
    assert not Referral.objects.exists()


def test_a_customer_with_a_loan_may_not_take_a_code(referrer):
    borrower = make_customer("borrower")
    open_loan(
        ApplicationFactory(customer=borrower), actor=UserFactory(username="off", role=roles.LOAN_OFFICER)
    )
    with pytest.raises(Invalid) as refused:
        services.referral_claim(actor=borrower.user, code=_code(referrer))
    assert "new customers" in refused.value.errors["code"][0]
    assert not Referral.objects.exists()


def test_one_referrer_per_customer_and_unknown_codes(referrer):
    newcomer = make_customer("newcomer")
    other = make_customer("other-referrer")
    with pytest.raises(Invalid) as unknown:
        services.referral_claim(actor=newcomer.user, code="NOSUCH22")
    assert unknown.value.errors == {"code": ["No such referral code."]}
    services.referral_claim(actor=newcomer.user, code=_code(referrer))
    with pytest.raises(Conflict):
        services.referral_claim(actor=newcomer.user, code=_code(other))
    assert list(Referral.objects.values_list("referrer", flat=True)) == [referrer.pk]


def test_staff_have_no_profile_to_refer(referrer):
    staff = UserFactory(username="mm", role=roles.MARKETING_MANAGER)
    with pytest.raises(NotFound):
        services.referral_claim(actor=staff, code=_code(referrer))
