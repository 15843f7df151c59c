"""A campaign's message carries each recipient's name, their personalised product and its example
cost, in their language; texts naming an unknown placeholder are refused when saved.

Catalogue: CASH (consumer, grid 6 %) carries the campaign's offer (50 bp off for `invited:spring`)
and AUTO (car loans, grid 8 %). Mary (English) consents to personalised recommendations and last
applied for a car loan, so the recommender ranks AUTO first; without an offer AUTO is hers, with the
offer the first eligible product it applies to (CASH) is; 张明 (Chinese) did not consent to it, so
the campaign's own product CASH is his, priced with the offer. The expected costs are what the
public quote API answers each of them for the product's representative loan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation
from rest_framework.test import APIClient

from applications.models import State
from customers import marketing_consent
from customers.masking import greeting_name
from loanhub import clock
from loanhub.formatting import cny_text, percent_text
from marketing import personalise, services
from marketing.errors import MarketingInvalid
from marketing.models import Segment
from products import choices as pc
from tests.applications.conftest import in_state, make_customer
from tests.products.factories import PromotionFactory, version_in

pytestmark = [pytest.mark.django_db]
REGION = "杭州"
TEMPLATE_EN = "Dear {{ name }}, {{ product }}: {{ cost }} [{{ total_repayable }} | {{ apr }}] {{ link }}"
TEMPLATE_ZH = "{{ name }}您好，{{ product }}：{{ cost }} [{{ total_repayable }} | {{ apr }}] {{ link }}"


def _grid(rate: str):
    return [(g, 6, 60, rate) for g in "ABCDE"]


@pytest.fixture
def catalogue(db):
    since = clock.today() - dt.timedelta(days=30)
    common = {"available_from": since, "segments": ["salaried"], "channels": ["web"]}
    cash = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CASH",
        name_en="Cash Loan",
        name_zh="现金贷",
        grid=_grid("0.06"),
        **common,
    )
    auto = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="AUTO",
        name_en="Car Loan",
        name_zh="汽车贷",
        category=pc.Category.CONSUMER_AUTO,
        grid=_grid("0.08"),
        **common,
    )
    promotion = PromotionFactory(
        version=cash,
        code="spring",
        discount_bps=50,
        segments=[pc.invitation("spring")],
        starts_on=clock.today() - dt.timedelta(days=1),
        ends_on=clock.today() + dt.timedelta(days=60),
    )
    return {"CASH": cash, "AUTO": auto, "promotion": promotion}


def _customers(catalogue):
    mary = make_customer("mary", legal_name="Mary Smith", region=REGION, email="mary@example.com")
    marketing_consent.marketing_consent_set(
        customer=mary, actor=mary.user, choices={"email": True, "personalised_recommendations": True}
    )
    in_state(
        State.DECLINED,
        mary,
        catalogue["AUTO"],
        amount=Decimal("80000.00"),
        term=36,
        submitted_at=clock.now() - dt.timedelta(days=20),
    )
    ming = make_customer("ming", legal_name="张明", region=REGION, email="ming@example.com")
    with translation.override("zh-hans"):
        marketing_consent.marketing_consent_set(customer=ming, actor=ming.user, choices={"email": True})
    return mary, ming


def _quoted(customer, version, language: str) -> dict:
    """What the public quote API answers the customer for the version's representative loan."""
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.force_authenticate(customer.user)
    response = api.post(
        f"/api/v1/products/{version.product.code}/quote/",
        {"amount": str(version.representative_amount), "term": version.representative_term},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def no_frequency_cap(settings):
    """Several campaigns reach the same customers here, one after the other."""
    settings.MARKETING_FREQUENCY_CAP_DAYS = 0


def _sent(users_manager, capture, *, promotion, name="Spring") -> dict[str, str]:
    campaign = services.campaign_create(
        actor=users_manager,
        name=name,
        segment=Segment.objects.create(name=f"Hangzhou {name}", rules={"regions": [REGION]}),
        channels=["email"],
        template_zh=TEMPLATE_ZH,
        template_en=TEMPLATE_EN,
        promotion=promotion,
    )
    mail.outbox.clear()
    with capture(execute=True):
        services.campaign_launch(campaign=campaign, actor=users_manager)
    return {m.to[0]: m.body for m in mail.outbox}


def test_each_recipient_gets_their_name_product_and_cost_in_their_language(
    catalogue, users_manager, django_capture_on_commit_callbacks, no_frequency_cap
):
    mary, ming = _customers(catalogue)
    # A campaign without an offer: Mary gets the recommender's first product (AUTO, her last
    # application's purpose), its cost as the quote API gives it to her, in English.
    bodies = _sent(users_manager, django_capture_on_commit_callbacks, promotion=None, name="Plain")
    assert set(bodies) == {mary.email, ming.email}
    auto = _quoted(mary, catalogue["AUTO"], "en")
    assert auto["promotions_applied"] == []
    mine = bodies[mary.email]
    assert mine.startswith("Dear Mary, Car Loan: ")
    total = cny_text(Decimal(auto["summary"]["total_payable"]), language="en")
    apr = percent_text(Decimal(auto["summary"]["apr"]))
    assert f"[{total} | {apr}]" in mine
    assert f"CNY 100,000.00 over 36 months: {total} to repay in all, APR {apr}" in mine
    assert "Smith" not in mine

    # The campaign with the offer on CASH: the offer's product is hers now, its cost with the offer.
    bodies = _sent(users_manager, django_capture_on_commit_callbacks, promotion=catalogue["promotion"])
    assert set(bodies) == {mary.email, ming.email}
    cash_en = _quoted(mary, catalogue["CASH"], "en")
    assert cash_en["promotions_applied"] == ["spring"]
    mine = bodies[mary.email]
    assert mine.startswith("Dear Mary, Cash Loan: ")
    total = cny_text(Decimal(cash_en["summary"]["total_payable"]), language="en")
    assert f"[{total} | {percent_text(Decimal(cash_en['summary']['apr']))}]" in mine

    # 张明: masked name, the campaign's product (no personalisation consent) priced with its offer.
    cash = _quoted(ming, catalogue["CASH"], "zh-hans")
    assert cash["promotions_applied"] == ["spring"]
    his = bodies[ming.email]
    assert his.startswith("张*您好，现金贷：")
    total_zh = cny_text(Decimal(cash["summary"]["total_payable"]), language="zh-hans")
    assert f"[{total_zh} | {percent_text(Decimal(cash['summary']['apr']))}]" in his
    assert "张明" not in his
    # Different products, different costs.
    assert cash["summary"]["total_payable"] != auto["summary"]["total_payable"]


def test_with_an_offer_the_product_is_chosen_among_the_offers_products_in_the_recommenders_order(
    catalogue, users_manager, django_capture_on_commit_callbacks, no_frequency_cap
):
    mary, _ming = _customers(catalogue)
    since = clock.today() - dt.timedelta(days=30)
    # Given an offer (`invited:summer`) on AUTO and on a product offered only in Beijing, not on CASH
    beijing = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="BJ",
        name_en="Beijing Loan",
        name_zh="北京贷",
        grid=_grid("0.05"),
        available_from=since,
        segments=["salaried"],
        channels=["web"],
        regions=["北京"],
    )
    today = clock.today()
    days = {"starts_on": today - dt.timedelta(days=1), "ends_on": today + dt.timedelta(days=60)}
    summer = PromotionFactory(
        version=beijing, code="summer", discount_bps=30, segments=[pc.invitation("summer")], **days
    )
    PromotionFactory(
        version=catalogue["AUTO"], code="summer", discount_bps=30, segments=[pc.invitation("summer")], **days
    )
    chooser = personalise.ProductChooser(type("C", (), {"promotion": summer})())
    assert chooser._offer() == {beijing.pk, catalogue["AUTO"].pk}

    # When the campaign is sent, Mary (Hangzhou) gets AUTO: the offer applies to it and it is
    # eligible for her; the Beijing product is not, and CASH carries no offer
    bodies = _sent(users_manager, django_capture_on_commit_callbacks, promotion=summer, name="Summer")
    auto = _quoted(mary, catalogue["AUTO"], "en")
    assert auto["promotions_applied"] == ["summer"]
    mine = bodies[mary.email]
    assert mine.startswith("Dear Mary, Car Loan: ")
    total = cny_text(Decimal(auto["summary"]["total_payable"]), language="en")
    assert f"[{total} | {percent_text(Decimal(auto['summary']['apr']))}]" in mine

    # And when none of the offer's products is eligible for her, she gets the recommender's first
    # other product (AUTO without the offer is not among them: only the Beijing one carries it)
    from products.models import Promotion

    Promotion.objects.filter(version=catalogue["AUTO"], code="summer").delete()
    bodies = _sent(users_manager, django_capture_on_commit_callbacks, promotion=summer, name="Summer 2")
    assert bodies[mary.email].startswith("Dear Mary, Car Loan: ")
    # (the campaign's own product, the fallback without consent, would be the Beijing one)
    assert personalise.ProductChooser(type("C", (), {"promotion": summer})())._offer() == {beijing.pk}


def test_the_campaigns_product_is_the_fallback_and_the_offer_lowers_its_cost(catalogue):
    chooser = personalise.ProductChooser(
        type("C", (), {"promotion": catalogue["promotion"]})()  # only the offer is read
    )
    plain = make_customer("plain", legal_name="Li Lei", region=REGION)
    values = chooser.context(plain, language="en")
    # Not invited: the campaign's product at its grid price (the quote API says the same).
    quoted = _quoted(plain, catalogue["CASH"], "en")
    assert quoted["promotions_applied"] == []
    assert values["product"] == "Cash Loan"
    assert values["apr"] == percent_text(Decimal(quoted["summary"]["apr"]))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mary Smith", "Mary"),
        ("张明", "张*"),
        ("欧阳修文", "欧***"),
        ("杭州某某有限公司", "杭州某某有限公司"),
        ("", ""),
    ],
)
def test_greeting_names(value, expected):
    assert greeting_name(value) == expected


def test_unknown_placeholders_are_field_errors_in_the_service_the_api_and_the_form(users_manager):
    segment = Segment.objects.create(name="s", rules={"regions": [REGION]})
    with pytest.raises(MarketingInvalid) as caught:
        services.campaign_create(
            actor=users_manager,
            name="Bad",
            segment=segment,
            channels=["email"],
            template_zh="{{ name }} {{ rate }}",
            template_en="Hi {{ nmae }}",
            subject_en="For {{ customer }}",
            subject_zh="{{ name }}，{{ product }}",
        )
    errors = caught.value.errors
    assert set(errors) == {"template_zh", "template_en", "subject_en"}
    assert "{{ customer }}" in errors["subject_en"][0]
    assert "{{ rate }}" in errors["template_zh"][0]
    assert "{{ nmae }}" in errors["template_en"][0]

    api = APIClient()
    api.force_authenticate(users_manager)
    response = api.post(
        "/api/v1/marketing/campaigns/",
        {
            "name": "Bad",
            "segment": segment.pk,
            "channels": ["email"],
            "template_zh": "{{ name }}",
            "template_en": "{{ name }} {{ costs }}",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "{{ costs }}" in str(response.json()["errors"]["template_en"])
    assert "template_zh" not in response.json()["errors"]

    from marketing.campaign_forms import CampaignForm

    form = CampaignForm(
        data={
            "name": "Bad",
            "segment": segment.pk,
            "channels": '["email"]',
            "template_zh": "{{ product }} {{ cost }} {{ apr }}",
            "template_en": "{{ name }} {{ price }}",
            "landing_path": "/products/",
            "pilot_regions": "[]",
            "pilot_channels": "[]",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"template_en"}  # the product placeholders are known
    assert "{{ price }}" in form.errors["template_en"][0]


@pytest.fixture
def users_manager(db):
    from loanhub import roles
    from tests.customers.factories import UserFactory

    return UserFactory(username="mm", role=roles.MARKETING_MANAGER)
