"""Admin console: lifecycle buttons call the services (four eyes on the server), read-only active
versions, the per-grade preview, the diff view, and the demo catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from demo.products import seed_products
from products import choices as c
from products import services
from products.models import Product, ProductEvent, ProductVersion
from tests.products.factories import TODAY, role_users, version_in

pytestmark = pytest.mark.django_db
S = c.ProductStatus


@pytest.fixture
def users():
    return role_users()


def _transition(client, version, name, reason="ok"):
    url = reverse("admin:products_productversion_transition", args=[version.pk, name])
    return client.post(url, {"reason": reason}, follow=True)


def test_approve_button_refuses_the_maker_on_the_server_and_accepts_a_second_manager(client, users):
    version = version_in(S.IN_REVIEW, maker=users["pm"])
    client.force_login(users["pm"])
    response = _transition(client, version, "approve")
    version.refresh_from_db()
    assert version.status == S.IN_REVIEW
    messages = [str(m) for m in response.context["messages"]]
    assert any("须由另一位产品经理或高级审批人批准" in m for m in messages)  # the admin speaks zh-hans

    client.force_login(users["pm2"])
    _transition(client, version, "approve")
    version.refresh_from_db()
    assert version.status == S.ACTIVE
    assert ProductEvent.objects.filter(version=version, to_state=S.ACTIVE, actor=users["pm2"]).exists()


def test_change_page_of_an_active_version_is_read_only_with_preview_and_buttons(client, users):
    version = version_in(S.ACTIVE, maker=users["pm"])
    client.force_login(users["pm"])
    response = client.get(reverse("admin:products_productversion_change", args=[version.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html  # read-only
    assert reverse("admin:products_productversion_transition", args=[version.pk, "suspend"]) in html
    assert reverse("admin:products_productversion_new_version", args=[version.pk]) in html
    assert 'class="preview-table"' in html
    for grade in c.RISK_GRADES:
        assert f"<td>{grade}</td>" in html
    # A direct POST to the change form is refused too
    response = client.post(
        reverse("admin:products_productversion_change", args=[version.pk]), {"name_en": "X"}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.name_en != "X"


def test_new_version_button_and_diff_view(client, users):
    version = version_in(S.ACTIVE, maker=users["pm"])
    client.force_login(users["pm"])
    response = client.post(
        reverse("admin:products_productversion_new_version", args=[version.pk]), follow=True
    )
    draft = ProductVersion.objects.get(product=version.product, version=2)
    assert draft.status == S.DRAFT
    services.product_version_update(version=draft, actor=users["pm"], terms={"term_max": 48})
    response = client.get(reverse("admin:products_productversion_diff", args=[draft.pk]))
    assert response.status_code == 200
    assert [(ch.path, ch.old, ch.new) for ch in response.context["changes"]] == [("terms.term_max", 60, 48)]


def test_non_product_staff_cannot_use_the_buttons(client, users):
    version = version_in(S.ACTIVE, maker=users["pm"])
    client.force_login(users["officer"])
    _transition(client, version, "suspend")
    version.refresh_from_db()
    assert version.status == S.ACTIVE


def test_changelist_filters_and_search(client, users):
    version_in(S.ACTIVE, maker=users["pm"], product__code="FIND-ME", channels=["branch"])
    version_in(S.DRAFT, maker=users["pm"], product__code="OTHER", channels=["web"])
    client.force_login(users["pm"])
    url = reverse("admin:products_productversion_changelist")
    assert [v.product.code for v in client.get(url, {"q": "find"}).context["cl"].result_list] == ["FIND-ME"]
    assert [v.product.code for v in client.get(url, {"channel": "branch"}).context["cl"].result_list] == [
        "FIND-ME"
    ]
    assert [
        v.product.code for v in client.get(url, {"status__exact": "draft"}).context["cl"].result_list
    ] == ["OTHER"]


def test_demo_catalogue_covers_every_category_and_state(users):
    created = seed_products(maker=users["pm"], checker=users["pm2"], today=TODAY)
    assert seed_products(maker=users["pm"], checker=users["pm2"], today=TODAY) == []  # idempotent
    active = ProductVersion.objects.filter(status=S.ACTIVE)
    assert active.count() >= 8
    assert set(active.values_list("category", flat=True)) == set(c.Category.values)
    states = set(ProductVersion.objects.values_list("status", flat=True))
    assert states == set(S.values)
    assert len(created) == Product.objects.count()
    # Every active demo product quotes its representative loan under the cap
    from products.quotes import representative_quote

    for version in active:
        quote = representative_quote(version, on_date=TODAY)
        assert quote is not None, version
        assert quote.apr < Decimal("0.24")
