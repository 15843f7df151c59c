"""Stored codes and JSON shown as labels on the console's read-only pages (issue 17): labelled
pairs, identifiers in <code>, cross-app references, and permissions and roles in the page's
language."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import translation

from loanhub.admin_auth import permission_label
from loanhub.admin_labels import code, json_code, labelled_codes, labelled_pairs, money, rate_percent
from loanhub.refs import ref_text


def test_pairs_show_known_keys_and_values_by_label_and_the_rest_as_code():
    with translation.override("zh-hans"):
        html = labelled_pairs({"members": 39, "no_consent": 31, "mystery_key": "raw_value"})
    assert html == (
        "成员数：39<br>未同意接收营销信息：31<br><code>mystery_key</code>：<code>raw_value</code>"
    )


def test_codes_and_json_are_escaped_identifiers():
    assert code("<b>x</b>") == "<code>&lt;b&gt;x&lt;/b&gt;</code>"
    assert code("") == "-"
    assert json_code({"a": "<i>"}) == "<pre><code>{\n &quot;a&quot;: &quot;&lt;i&gt;&quot;\n}</code></pre>"
    assert labelled_codes(["email", "fax"], {"email": "电子邮件"}) == "电子邮件、<code>fax</code>"


def test_rates_and_amounts_in_the_page_language():
    with translation.override("zh-hans"):
        assert rate_percent("0.08500000") == "8.50%"
        assert money("1234567.805") == "¥1,234,567.81"
    with translation.override("en"):
        assert money("1234567.805") == "CNY 1,234,567.81"
    assert rate_percent(None) == "-"


@pytest.mark.django_db
def test_references_name_the_object_in_the_page_language():
    with translation.override("zh-hans"):
        assert ref_text("applications.LoanApplication:42") == "贷款申请 #42"
        assert ref_text("loan:L90000001") == "贷款 L90000001"
    with translation.override("en"):
        assert ref_text("application:7") == "loan application #7"
    assert ref_text("no-colon") == "no-colon"
    assert ref_text("unknown.Model:3") == "unknown.Model:3"


@pytest.mark.django_db
def test_permissions_and_roles_read_in_the_page_language():
    add_loan = Permission.objects.get(codename="add_loan", content_type__app_label="servicing")
    officer = Group.objects.get(name="Loan Officer")
    with translation.override("zh-hans"):
        assert permission_label(add_loan).endswith("| 可添加贷款")
        assert str(officer) == "信贷员"
    with translation.override("en"):
        assert permission_label(add_loan).endswith("| Can add loan")
        assert str(officer) == "Loan Officer"
    assert officer.name == "Loan Officer"  # the row keeps the name other code finds it by


def test_the_console_shows_rate_and_money_columns_formatted_and_other_decimals_as_stored():
    from decimal import Decimal

    from django.contrib.admin import helpers
    from django.contrib.admin.templatetags import admin_list
    from django.db.models import DecimalField

    from loanhub.money import apr_field, money_field, rate_field

    # Both places Django renders a read-only value (installed at start-up, loanhub.apps).
    for display in (helpers.display_for_field, admin_list.display_for_field):
        with translation.override("zh-hans"):
            assert display(Decimal("0.04350000"), rate_field("rate"), "-") == "4.35%"
            assert display(Decimal("0.00025000"), rate_field("rate"), "-") == "0.025%"
            assert display(Decimal("8606.64"), money_field("amount"), "-") == "¥8,606.64"
            assert display(None, money_field("amount"), "-") == "-"
            assert display(Decimal("0.052000"), apr_field("APR"), "-") == "5.20%"
            assert display(Decimal("0.1234"), DecimalField(max_digits=7, decimal_places=4), "-") == "0.1234"
        with translation.override("en"):
            assert display(Decimal("8606.64"), money_field("amount"), "-") == "CNY 8,606.64"
