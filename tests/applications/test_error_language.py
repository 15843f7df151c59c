"""Every API error body is in the request's language: the services' own refusals (400 field
errors, 403, 404, 409) of applications, products and customers, in Chinese for `zh-hans` and in
English for `en` — and the zh-hans catalogue translates every message the services raise."""

from __future__ import annotations

import ast
import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from rest_framework.test import APIClient

from applications.models import State
from customers.models import KycStatus
from products import choices as pc
from tests.applications.conftest import STRONG, in_state
from tests.products.factories import version_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = ["zh-hans", "en"]
DRAFT = {
    "product": "CASH",
    "term": 24,
    "method": "annuity",
    "frequency": "monthly",
    "channel": "web",
    **STRONG,
}


def client_for(user, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client


def said(language: str, msgid: str, values: dict | None = None, *, state_label=None) -> str:
    """`msgid` as the services say it in `language` (what the body must hold)."""
    with translation.override(language):
        text = gettext(msgid)
        values = dict(values or {})
        if state_label is not None:
            values["state"] = str(state_label)
        if "action" in values:
            values["action"] = pgettext("action", values["action"])
        return text % values if values else text


def assert_in_language(language: str, text: str) -> None:
    if language == "zh-hans":
        assert CJK.search(text), text
    else:
        assert not CJK.search(text), text


# --- applications ---------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_application_field_errors_are_in_the_request_language(customer, product, language):
    body = {**DRAFT, "amount": "600000"}
    response = client_for(customer.user, language).post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    expected = said(
        language,
        "must be between %(min)s and %(max)s for product %(code)s",
        {"min": "10000.00", "max": "500000.00", "code": "CASH"},
    )
    assert errors == {"amount": [expected]}
    assert_in_language(language, expected)
    assert response.json()["detail"] == f"amount: {expected}"

    response = client_for(customer.user, language).post(
        "/api/v1/applications/", {**body, "amount": "50000", "product": "NOPE"}, format="json"
    )
    assert response.json()["errors"] == {
        "product": [said(language, "unknown product %(code)s", {"code": "NOPE"})]
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_another_customers_application_is_a_404_in_the_request_language(
    customer, other_customer, product, language
):
    application = in_state(State.DRAFT, other_customer, product)
    response = client_for(customer.user, language).get(f"/api/v1/applications/{application.pk}/")
    assert response.status_code == 404
    expected = said(language, "application %(id)s not found", {"id": application.pk})
    assert response.json() == {"detail": expected, "code": "not_found", "errors": {}, "state": None}
    assert_in_language(language, expected)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_conflict_names_the_state_in_the_request_language(customer, product, users, language):
    application = in_state(State.DECLINED, customer, product)
    response = client_for(users["officer"], language).post(
        f"/api/v1/applications/{application.pk}/approve/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    expected = said(
        language,
        "cannot %(action)s: application %(application)s was already decided (%(state)s)",
        {"action": "approve", "application": application},
        state_label=State.DECLINED.label,
    )
    assert body == {"detail": expected, "code": "conflict", "errors": {}, "state": "declined"}
    assert_in_language(language, expected)
    if language == "zh-hans":
        assert body["detail"] == f"无法批准：申请 {application} 已有决定（已拒绝）"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_role_refusal_is_in_the_request_language(customer, product, language):
    application = in_state(State.SCORED, customer, product)
    response = client_for(customer.user, language).post(
        f"/api/v1/applications/{application.pk}/approve/", {"reason": "mine"}, format="json"
    )
    assert response.status_code == 403
    expected = said(language, "only a Loan Officer may %(action)s an application", {"action": "approve"})
    assert response.json()["detail"] == expected
    assert_in_language(language, expected)


# --- products -------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_errors_are_in_the_request_language(product, language):
    client = client_for(None, language)
    quote = client.post("/api/v1/products/CASH/quote/", {"amount": "600000", "term": 24}, format="json")
    assert quote.status_code == 400
    assert quote.json()["errors"]["amount"] == [
        said(
            language,
            "must be between %(min)s and %(max)s for product %(code)s",
            {"min": "10000.00", "max": "500000.00", "code": "CASH"},
        )
    ]
    missing = client.get("/api/v1/products/NOPE/")
    assert missing.status_code == 404
    assert missing.json()["errors"] == {
        "product": [said(language, "unknown product %(code)s", {"code": "NOPE"})]
    }
    version_in(pc.ProductStatus.SUSPENDED, product__code="OLD")
    suspended = client.get("/api/v1/products/OLD/")
    assert suspended.status_code == 409
    expected = said(
        language,
        "product %(code)s is %(status)s and is not offered",
        {"code": "OLD", "status": pc.ProductStatus.SUSPENDED.label},
    )
    with translation.override(language):
        label = str(pc.ProductStatus.SUSPENDED.label)
    assert (suspended.json()["code"], suspended.json()["state"]) == ("conflict", "suspended")
    assert suspended.json()["errors"] == {"product": [expected]}
    assert label in expected  # the state as the reader says it ("已暂停"), not the code
    assert_in_language(language, expected)


# --- customers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_errors_are_in_the_request_language(customer, users, django_user_model, language):
    stranger = django_user_model.objects.create_user(username="nobody", password="x")
    missing = client_for(stranger, language).get("/api/v1/customers/me/")
    assert missing.status_code == 404
    assert missing.json()["detail"] == said(language, "You have no customer profile yet.")
    assert_in_language(language, missing.json()["detail"])

    officer = client_for(users["officer"], language)
    refused = client_for(customer.user, language).post(
        f"/api/v1/customers/{customer.pk}/verify-identity/", {"reason": "me"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == said(language, "Your role may not verify customer identities.")
    again = officer.post(
        f"/api/v1/customers/{customer.pk}/verify-identity/", {"reason": "seen"}, format="json"
    )
    assert again.status_code == 409
    expected = said(language, "The identity is already %(state)s.", state_label=KycStatus.VERIFIED.label)
    assert (again.json()["detail"], again.json()["state"]) == (expected, "verified")
    assert_in_language(language, expected)


# --- the catalogue --------------------------------------------------------------------------------
def _entries(po: str) -> list[dict]:
    """The entries of a .po file written with --no-wrap: flags, msgctxt, msgid, msgstr (unescaped)."""
    entries = []
    for block in po.split("\n\n"):
        entry: dict = {"flags": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = line
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


PO = (CATALOGUE / "django.po").read_text(encoding="utf-8")
ENTRIES = [e for e in _entries(PO) if e["msgid"]]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_the_chinese_catalogue_translates_every_message_with_its_placeholders():
    assert len(ENTRIES) > 1000
    untranslated = [e["msgid"] for e in ENTRIES if "msgid_plural" not in e and not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in ENTRIES if "fuzzy" in e["flags"]]
    assert (untranslated, fuzzy) == ([], [])
    for entry in ENTRIES:
        if "python-format" in entry["flags"]:
            wanted = set(PLACEHOLDER.findall(entry["msgid"]))
            forms = [v for k, v in entry.items() if k.startswith("msgstr")]
            assert forms, entry
            for form in forms:
                assert set(PLACEHOLDER.findall(form)) == wanted, entry


def test_the_committed_mo_is_compiled_from_the_po():
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        catalogue = GNUTranslations(compiled)._catalog
    for entry in ENTRIES:
        if "msgid_plural" in entry:
            continue
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        assert catalogue.get(key) == entry["msgstr"], entry["msgid"]


# Code whose messages reach users: every app's services, selectors and APIs (the engine marks its
# own templates, tests/products/test_engine_messages.py; internal invariants are not listed).
MESSAGE_SOURCES = ("applications", "customers", "products", "risk", "servicing", "calculator", "loanhub")
SKIPPED = ("migrations", "engine", "management", "scorecard")
TRANSLATORS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}
DOMAIN_ERRORS = re.compile(r"(Error|Invalid|Forbidden|NotFound|Conflict|NotOffered|AlreadyOpen)$")
INTERNAL = {"ArtifactError", "ConfigurationError", "ImmutableError", "InvalidPosting", "UnbalancedEntry",
            "IdempotencyConflict", "DatasetChecksumError", "TypeError", "ValueError", "RuntimeError",
            "CommandError", "NotImplementedError", "NoChampion", "KeyError"}  # fmt: skip


def _python_sources():
    for app in MESSAGE_SOURCES:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not set(SKIPPED).intersection(path.relative_to(ROOT).parts):
                yield path


def _name(node) -> str:
    return getattr(node, "id", None) or getattr(node, "attr", "") or ""


def _bare_messages(node) -> list[int]:
    """Lines of plain strings and f-strings in a message position of `node` (not keys, not
    arguments of other calls, not the values after `%`)."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return [node.lineno]
    if isinstance(node, ast.Dict):
        return [line for value in node.values for line in _bare_messages(value)]
    if isinstance(node, ast.List | ast.Tuple):
        return [line for item in node.elts for line in _bare_messages(item)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _bare_messages(node.left)
    return []


def _untranslated(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = _name(node.exc.func)
            if DOMAIN_ERRORS.search(name) and name not in INTERNAL:
                lines += [line for arg in node.exc.args for line in _bare_messages(arg)]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and "errors" in _name(t.value) for t in node.targets
        ):
            lines += _bare_messages(node.value)
        elif (
            isinstance(node, ast.Call)
            and _name(node.func) in ("append", "extend")
            and isinstance(node.func.value, ast.Call)  # errors.setdefault(field, []).append(…)
            and "errors" in _name(getattr(node.func.value.func, "value", None))
        ):
            lines += [line for arg in node.args for line in _bare_messages(arg)]
    return lines


def test_no_service_raises_an_untranslated_message():
    found = []
    for path in _python_sources():
        lines = _untranslated(ast.parse(path.read_text(encoding="utf-8")))
        found += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert found == []


def _marked(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in TRANSLATORS:
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if _name(node.func).startswith("pgettext") and len(strings) == 2:
                yield strings[0], strings[1]
            elif len(strings) == 1 and len(node.args) == 1:
                yield None, strings[0]


def test_every_marked_message_is_in_the_chinese_catalogue():
    translated = {(e.get("msgctxt"), e["msgid"]) for e in ENTRIES if e.get("msgstr")}
    missing = sorted(
        {key for path in _python_sources() for key in _marked(ast.parse(path.read_text(encoding="utf-8")))}
        - translated,
        key=str,
    )
    assert missing == []
