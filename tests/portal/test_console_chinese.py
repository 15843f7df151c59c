"""The officer console in zh-hans shows no English (issue 17): the admin's lists, one change page
per model, the add pages, the start page of each role and the apps' own console pages, over the
demo data.

The scanner is the customer pages' (`tests/portal/test_english_on_chinese_pages.py`): English
words outside an allow-list and raw codes (snake_case, UPPER_CODES) in the text a reader sees.
Not read: text in <code> (identifiers shown on purpose: product, template and rule codes), text
marked `lang="en"` (the English name or template edited beside the Chinese one), a textarea's
value, URL paths and `{{ placeholders }}` of message templates. The data set is `seed_demo` with
a short portfolio history, built once for the module and rolled back after it; its Latin data
(user names, product codes, the customers' romanised names, names people typed) is data, not
untranslated text.
"""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from loanhub import roles
from tests.loanhub.test_permission_matrix import all_routes, is_generated_admin
from tests.portal.test_english_on_chinese_pages import ALLOWED, RAW_CODE, _visible_text

pytestmark = pytest.mark.django_db

# Beyond the portal's allow-list: abbreviations the console's readers use as they are (ID, IT,
# IFRS 9, PSI, the KS statistic, AUC, NPS, RFM for recency, frequency and monetary value, UTM,
# SHA-256, PD, DPD, LGD, ECL, COB, the day count ACT/365, ECE for the expected calibration error,
# GB/T for the national standards, LDAP in Django's password hint), the statisticians' names of
# methods (Wilson's interval, Fisher's exact test, Holm's correction, Brier's score), the keys
# Django's multiple-choice hint names (Control, Command on a Mac), and the export formats.
CONSOLE_ALLOWED = ALLOWED | {
    "ID",
    "RFM",
    "IT",
    "ACT",
    "Control",
    "Command",
    "Mac",
    "Fisher",
    "Holm",
    "IFRS",
    "PSI",
    "KS",
    "AUC",
    "NPS",
    "UTM",
    "SHA",
    "PD",
    "DPD",
    "LGD",
    "ECL",
    "COB",
    "Wilson",
    "Brier",
    "ECE",
    "GB",
    "LDAP",
    "XLSX",
    "JSON",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
# Addresses (web and e-mail) and template variables are not words of the page.
NOT_WORDS = re.compile(r"(?:https?://|(?<![\w])/)[\w./?=&%-]*|[\w.+-]+@[\w.-]+|\{\{[^}]*\}\}")

ROLE_USERS = {  # seed_demo's user of each staff role
    roles.LOAN_OFFICER: "officer",
    roles.SENIOR_APPROVER: "senior",
    roles.RISK_ANALYST: "analyst",
    roles.PRODUCT_MANAGER: "pm",
    roles.MARKETING_MANAGER: "marketing",
    roles.AUDITOR: "auditor",
}


def _data_words() -> set[str]:
    """The demo's Latin data: user names, product codes, the customers' legal names (the demo's
    carry a romanised form) and loan references, and the names people gave campaigns and pilots."""
    from customers.models import Customer
    from marketing.models import Campaign
    from marketing.pilot_models import PromotionPilot
    from products.models import Product
    from servicing.models import Loan

    texts = [
        *get_user_model().objects.values_list("username", flat=True),
        *Product.objects.values_list("code", flat=True),
        *Customer.objects.values_list("legal_name", flat=True),
        *Loan.objects.values_list("origin_ref", flat=True),
        *Campaign.objects.values_list("name", flat=True),
        *PromotionPilot.objects.values_list("name", flat=True),
    ]
    words = set()
    for text in texts:
        words |= set(WORD.findall(text)) | set(RAW_CODE.findall(text))
        words |= set(re.findall(r"[A-Za-z]+", text))  # the parts of a code ("CASH" of CASH-PLUS)
    return words | {word.strip("'-") for word in words}


def _objects() -> dict[str, int]:
    """One object per console page's URL parameter (999999 where the demo has none)."""
    from applications.models import LoanApplication, ReviewRequest
    from customers.models import Customer
    from marketing.models import Campaign
    from marketing.offer_request_models import OfferRequest
    from marketing.pilot_models import PromotionPilot
    from products.models import ProductVersion
    from risk.models import ImpactAssessment, ScoreModel
    from servicing.models import Repayment, ScheduleChange, StatementLine

    def first(model, **filters) -> int:
        obj = model._default_manager.filter(**filters).order_by("pk").first()
        return obj.pk if obj else 999999

    return {
        "productversion": first(ProductVersion, status="active"),
        "customer": first(Customer),
        "scoremodel": first(ScoreModel),
        "loanapplication": first(LoanApplication, state="referred"),
        "repayment": first(Repayment),
        "statementline": first(StatementLine, status="suspense"),
        "campaign": first(Campaign),
        "impactassessment": first(ImpactAssessment),
        "reviewrequest": first(ReviewRequest),
        "offerrequest": first(OfferRequest),
        "promotionpilot": first(PromotionPilot),
        "schedulechange": first(ScheduleChange),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data with a signed-in session per user, built once and rolled back."""
    from demo import history

    private = override_settings(LOANHUB_PRIVATE_ROOT=tmp_path_factory.mktemp("private"))
    private.enable()
    small = pytest.MonkeyPatch()
    small.setattr(history, "SEED_DEMO", (3, 4, 1))  # the portfolio history, small: fast
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        sessions = {}
        for username in ("admin", *ROLE_USERS.values()):
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            sessions[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield {"objects": _objects(), "sessions": sessions, "data": _data_words()}
        transaction.set_rollback(True)
    small.undo()
    private.disable()


def english_found(html: str, data: set[str]) -> dict[str, list[str]]:
    """The English words and raw codes of a console page, data and the allow-list aside."""
    text = NOT_WORDS.sub(" ", _visible_text(html))
    # A word's hyphens and quotes are not part of it ("SHA" of "SHA-256"), for the allow-list as for data.
    words = {
        w for w in WORD.findall(text) if w.strip("'-") not in CONSOLE_ALLOWED and w.strip("'-") not in data
    }
    codes = set(RAW_CODE.findall(text)) - CONSOLE_ALLOWED - data
    return {kind: sorted(found) for kind, found in (("english", words), ("codes", codes)) if found}


def test_the_console_scanner_leaves_out_data_addresses_and_placeholders():
    html = (
        "<p>您好 {{ name }}，请访问 /marketing/feedback/ 或 https://example.com/a "
        "或 a.b@demo.example 。CASH-PLUS Loan "
        '<span lang="en">Home Loan</span> <code>rate_reset</code> risk_grade IFRS</p>'
    )
    assert english_found(html, {"CASH", "PLUS", "CASH-PLUS"}) == {
        "english": ["Loan", "grade", "risk"],
        "codes": ["risk_grade"],
    }


# --- the pages -----------------------------------------------------------------------------------
def _registered() -> dict[str, type]:
    return {model._meta.label_lower: model for model in admin.site._registry}


# The custom console pages (`get_urls` of the apps' admins): what a superuser's GET gets where it
# is not the page. Score models and impact assessments are acted on by risk analysts only (403
# for others); the demo has no human review, offer request or pending schedule change (404:
# their pages are covered by their apps' tests).
CONSOLE_EXPECTED = {
    # Actions taken by POST: a GET goes back to the object's page, or is refused.
    "admin/customers/customer/<int:pk>/reveal/<str:field>/": 302,
    "admin/products/productversion/<int:pk>/new-version/": 302,
    "admin/products/productversion/<int:pk>/transition/<str:name>/": 302,
    "admin/risk/scoremodel/<int:pk>/act/<str:action>/": 403,
    "admin/risk/impactassessment/<int:pk>/act/<str:action>/": 403,
    "admin/applications/reviewrequest/<int:pk>/decide/<str:outcome>/": 404,
    "admin/marketing/offerrequest/<int:pk>/take/": 404,
    "admin/marketing/offerrequest/<int:pk>/decline/": 404,
    "admin/servicing/schedulechange/<int:pk>/decide/": 404,
}
CONSOLE_ARGS = {  # the other URL parameters
    "name": "suspend",
    "action": None,  # per route below
    "field": "phone",
    "outcome": "uphold",
}
CONSOLE_ACTIONS = {
    "admin/customers/customer/<int:pk>/kyc/<str:action>/": "verify",
    "admin/risk/scoremodel/<int:pk>/act/<str:action>/": "shadow-on",
    "admin/risk/impactassessment/<int:pk>/act/<str:action>/": "sign-off",
    "admin/applications/loanapplication/<int:pk>/act/<str:action>/": "approve",
    "admin/servicing/statementline/<int:pk>/resolve/<str:action>/": "assign",
}


def _console_routes() -> list[str]:
    return sorted(
        r.pattern for r in all_routes() if r.pattern.startswith("admin/") and not is_generated_admin(r)
    )


def _console_url(pattern: str, objects: dict[str, int]) -> str:
    model = pattern.split("/")[2]

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "pk":
            return str(objects[model])
        return CONSOLE_ACTIONS[pattern] if name == "action" else CONSOLE_ARGS[name]

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, pattern)


def all_pages() -> list[str]:
    """Every page the scan knows, as "<kind>:<what>"."""
    pages = []
    for label in sorted(_registered()):
        pages += [f"changelist:{label}", f"change:{label}", f"add:{label}"]
    pages += [f"start:{username}" for username in ("admin", *ROLE_USERS.values())]
    pages += [f"console:{pattern}" for pattern in _console_routes()]
    return pages


# Pages that still show English in zh-hans, each with why (none now: every page of the console is
# scanned). A page listed here is left out of the parametrized scan below, and
# `test_the_remaining_pages_exist` keeps the list to pages that exist.
REMAINING: set[str] = set()


def _scanned_pages() -> list[str]:
    return [page for page in all_pages() if page not in REMAINING]


def test_the_remaining_pages_exist():
    assert REMAINING <= set(all_pages()), sorted(REMAINING - set(all_pages()))


def _get(world, url: str, username: str = "admin"):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][username]
    return client.get(url)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("page", _scanned_pages())
def test_a_console_page_in_chinese_has_no_english(world, page):
    kind, what = page.split(":", 1)
    expected = 200
    username = "admin"
    if kind == "start":
        url, username = "/admin/", what
    elif kind == "console":
        url = _console_url(what, world["objects"])
        expected = CONSOLE_EXPECTED.get(what, 200)
    else:
        model = _registered()[what]
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        if kind == "changelist":
            url = base
        elif kind == "change":
            obj = model._default_manager.order_by("pk").first()
            if obj is None:  # nothing of it in the demo: its list is scanned, it has no page
                url, expected = f"{base}999999/change/", 302
            else:
                url = f"{base}{obj.pk}/change/"
        else:
            url = f"{base}add/"
            model_admin = admin.site._registry[model]
            request = type("Request", (), {"user": get_user_model().objects.get(username="admin")})()
            if not model_admin.has_add_permission(request):
                expected = 403
    response = _get(world, url, username)
    assert response.status_code == expected, url
    if expected == 200:
        assert english_found(response.content.decode(), world["data"]) == {}, url
