"""The customer pages in zh-hans show no English: every word of Latin letters outside a short
allow-list (the brand, internationally used abbreviations) is a string that was not translated or
a raw code that reached the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db
# The language switcher names each language in its own words ("English" on every page).
# File formats keep their names (the calculator's downloads, the identity card's upload); KYC is
# the banks' own abbreviation, written beside its Chinese name (身份核验（KYC）).
ALLOWED = {"LoanHub", "APR", "API", "LPR", "English", "CSV", "Excel", "PDF", "JPEG", "PNG", "KYC"}
# ASCII boundaries, not \b: Chinese characters count as word characters to `re`.
RAW_CODE = re.compile(r"(?<![A-Za-z0-9_])(?:[a-z]+_[a-z0-9_]+|[A-Z]{2,}(?:_[A-Z0-9]+)*)(?![A-Za-z0-9_])")
PAGES = [
    "/",
    "/products/",
    "/products/?amount=20000&term=12",
    "/products/CASH/",
    "/products/CASH/?amount=60000&term=12&method=annuity&frequency=monthly",
    "/products/compare/?codes=HOME&codes=SHORT",
    "/products/compare/?codes=HOME",
    "/products/terms-explained/",
    "/products/recommend/",
    "/products/recommend/?amount=50000&term=24&monthly_income=15000&age=30&customer_type=individual",
    "/calculator/",
    "/calculator/?product=CASH&principal=50000&term=12&method=equal_principal",
    "/customers/login/",
    "/customers/signup/",
    "/customers/password-reset/",
    "/customers/password-reset/sent/",
    "/customers/password-reset/MQ/set-password/",
    "/does-not-exist/",
]


# A textarea holds a field's value, as an input's value attribute does (a rule's JSON, a template
# being edited): what the reader typed, not a label.
SKIPPED = ("script", "style", "code", "textarea")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles (SVG text is kept). Text in
    <code> is a deliberate identifier shown beside its translated words (the console's reason and
    rule codes), not a label that escaped translation; an element marked `lang="en"` is English
    on purpose (the English name or template the console edits beside the Chinese one)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0
        self._english: list[str] = []  # the open elements marked lang="en" (and ones inside them)

    def handle_starttag(self, tag, attrs):
        if self._english or dict(attrs).get("lang", "").lower().startswith("en"):
            if tag not in VOID:
                self._english.append(tag)
            return
        if tag in SKIPPED:
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "placeholder", "aria-label") and value:
                self.parts.append(value)
        if tag == "input":
            attrs = dict(attrs)
            if attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._english:
            if tag in self._english:
                del self._english[len(self._english) - 1 - self._english[::-1].index(tag) :]
            return
        if tag in SKIPPED:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and not self._english:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(html: str) -> set[str]:
    text = _visible_text(html)
    return {word for word in re.findall(r"[A-Za-z][A-Za-z'-]+", text) if word not in ALLOWED}


def raw_codes(html: str) -> set[str]:
    """Codes that reached the page instead of their labels: snake_case words and UPPER_CODES (the
    allow-list's abbreviations aside), in the text a reader sees."""
    return set(RAW_CODE.findall(_visible_text(html))) - ALLOWED


def test_the_scanner_sees_text_and_labels_but_not_markup():
    html = '<p class="Hidden">贷款 Loan <img alt="Logo"><script>var Code;</script></p>'
    assert english_words(html) == {"Loan", "Logo"}


def test_the_scanner_leaves_out_what_is_marked_english():
    html = '<p>名称 <span lang="en">Home <b>Loan</b></span> Left <img alt="Icon" lang="en"> <i>Over</i></p>'
    assert english_words(html) == {"Left", "Over"}


def test_the_raw_code_scanner_sees_codes_in_text_only():
    html = (
        '<p class="is_hidden">贷款consumer_auto <b>REFER</b> APR <span data-x="NO_CODE">码</span>'
        "<code>RULE_X</code></p>"
    )
    assert raw_codes(html) == {"consumer_auto", "REFER"}


@override_settings(DEBUG=False)
@pytest.mark.parametrize("path", PAGES)
def test_a_chinese_page_has_no_english_words(client, catalogue, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code in (200, 404)
    assert english_words(response.content.decode()) == set()
    assert raw_codes(response.content.decode()) == set()
