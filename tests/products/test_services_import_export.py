"""`manage.py products export|import`: stable JSON, round trip, all-or-nothing import."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from products import choices as c
from products import selectors, services
from products.models import Product, ProductEvent, ProductVersion
from tests.products.factories import FeeFactory, PromotionFactory, role_users, version_in

pytestmark = pytest.mark.django_db
S = c.ProductStatus


@pytest.fixture
def users():
    return role_users()


@pytest.fixture
def exported(users, tmp_path):
    active = version_in(S.ACTIVE, maker=users["pm"], product__code="CASH")
    FeeFactory(version=active, code="arrangement")
    PromotionFactory(version=active, code="spring")
    version_in(S.DRAFT, maker=users["pm"], product__code="DRAFTY", name_zh="草稿贷")
    path = tmp_path / "catalogue.json"
    call_command("products", "export", str(path))
    return path


def _products(path) -> dict:
    return {item["code"]: item for item in json.loads(path.read_text(encoding="utf-8"))["products"]}


def test_export_is_stable_sorted_json(exported, tmp_path):
    again = tmp_path / "again.json"
    call_command("products", "export", str(again))
    assert exported.read_text(encoding="utf-8") == again.read_text(encoding="utf-8")
    data = _products(exported)
    assert set(data) == {"CASH", "DRAFTY"}
    assert data["CASH"]["terms"]["amount_min"] == "10000.00"
    assert data["CASH"]["fees"][0]["code"] == "arrangement"
    assert "草稿贷" in exported.read_text(encoding="utf-8")  # not \u-escaped: reviewable as a diff


def test_round_trip_into_an_empty_catalogue(exported, users, tmp_path):
    # Given the export, and an empty catalogue
    before = _products(exported)
    ProductEvent.objects.all().delete()
    ProductVersion.objects.all().delete()
    Product.objects.all().delete()
    # When it is imported
    call_command("products", "import", str(exported), "--as", "pm")
    # Then every product exists as a draft with identical terms, grid, fees and promotions
    again = tmp_path / "again.json"
    call_command("products", "export", str(again))
    after = _products(again)
    for code in before:
        assert after[code]["status"] == "draft"
        for key in ("terms", "pricing_grid", "fees", "promotions"):
            assert after[code][key] == before[code][key], (code, key)


def test_import_of_a_changed_active_product_creates_a_new_draft_version(exported, users):
    data = json.loads(exported.read_text(encoding="utf-8"))
    cash = next(item for item in data["products"] if item["code"] == "CASH")
    cash["terms"]["amount_max"] = "400000.00"
    outcomes = services.products_import(data=data, actor=users["pm2"])
    actions = {o.code: o.action for o in outcomes}
    assert actions == {"CASH": "new_version", "DRAFTY": "unchanged"}
    versions = selectors.product_versions(code="CASH")
    assert [(v.version, v.status) for v in versions] == [(1, S.ACTIVE), (2, S.DRAFT)]
    assert str(versions[0].amount_max) == "500000.00"
    assert str(versions[1].amount_max) == "400000.00"


def test_invalid_import_changes_nothing_and_names_every_problem(exported, users, tmp_path):
    data = json.loads(exported.read_text(encoding="utf-8"))
    good, bad = copy.deepcopy(data["products"][0]), copy.deepcopy(data["products"][0])
    good["code"], good["terms"]["name_en"] = "BRAND-NEW", "Brand new"
    bad["code"] = "BROKEN"
    bad["terms"]["amount_min"] = "900000.00"  # above amount_max
    bad["pricing_grid"] = [row for row in bad["pricing_grid"] if row["risk_grade"] != "E"]
    data["products"] = [good, bad]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    counts = (Product.objects.count(), ProductVersion.objects.count())

    with pytest.raises(CommandError) as refused:
        call_command("products", "import", str(path), "--as", "pm")

    message = str(refused.value)
    assert "nothing changed" in message
    assert (
        "products[1] BROKEN.amount_min: amount_min 900000.00 is greater than amount_max 500000.00" in message
    )
    assert "the pricing grid has no row for grade E" in message
    assert (Product.objects.count(), ProductVersion.objects.count()) == counts
    assert not Product.objects.filter(code="BRAND-NEW").exists()


def test_malformed_import_is_refused_field_by_field(users):
    with pytest.raises(services.ProductValidationError) as refused:
        services.products_import(
            data={"format": "loanhub.products", "format_version": 1, "products": [{"code": "x"}]},
            actor=users["pm"],
        )
    assert set(refused.value.errors) >= {"products[0].code", "products[0].terms", "products[0].pricing_grid"}


def test_import_needs_a_product_manager(exported, users):
    data = json.loads(exported.read_text(encoding="utf-8"))
    with pytest.raises(services.ProductPermissionError):
        services.products_import(data=data, actor=users["senior"])
