"""The one place personal data is masked: identity numbers, phone numbers, and free text (logs).

Masks keep just enough to recognise a value when talking to its owner — the region code and the
last four characters of an identity number, the network prefix and last four digits of a phone
number — and hide the date of birth and the rest. Every screen, API response, admin page and
log line goes through these functions; the raw value is returned only by the audited
`customers.services.pii_reveal`.
"""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")

# An 18-character resident identity number (17 digits and a digit or X), standing alone.
RIC_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# An 11-digit mainland mobile number, alone or after a +86/0086 country code.
# Written with spaces or hyphens too ("138 1234 5678", "138-1234-5678").
MOBILE_PATTERN = re.compile(r"(?:(?<!\d)|(?<=86))1[3-9]\d(?:[ -]?\d){8}(?!\d)")


def mask_id_number(value: str | None) -> str:
    """`11010519491231002X` → `1101**********002X`: first 4 and last 4 kept, the rest starred.

    A value too short to mask safely is fully starred; an empty value stays empty.
    """
    if not value:
        return ""
    text = _NOT_ALNUM.sub("", str(value)).upper()
    if len(text) < 12:
        return "*" * len(text)
    return f"{text[:4]}{'*' * (len(text) - 8)}{text[-4:]}"


def mask_phone(value: str | None) -> str:
    """`13812345678` → `138****5678`: the network prefix and last four digits kept.

    A +86 country code is dropped first; anything shorter than 7 digits is fully starred.
    """
    if not value:
        return ""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_text(text: str) -> str:
    """Mask every identity number and mobile number found in free text (log messages)."""
    if not text:
        return text
    text = RIC_PATTERN.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE_PATTERN.sub(lambda m: mask_phone(m.group(0)), text)


# Words that make a payer an organisation, whose name is not personal data and stays readable.
_ORGANISATION_WORDS = ("公司", "企业", "集团", "有限", "合作社", "商行", "银行", "中心", "事务所", "厂", "店")
_LONG_DIGITS = re.compile(r"\d{8,}")
_WORD = re.compile(r"[^\s·.]+")


def mask_counterparty(value: str | None) -> str:
    """The payer of a bank-statement line, kept just recognisable: a person's name keeps the first
    character of each word (`张明` → `张*`, `Zhang Ming` → `Z**** M***`), an organisation's name
    stays as it is, and account or card numbers keep their last four digits (`****1234`).
    """
    if not value:
        return ""
    text = mask_text(" ".join(str(value).split()))
    text = _LONG_DIGITS.sub(lambda m: "****" + m.group(0)[-4:], text)
    if any(word in text for word in _ORGANISATION_WORDS):
        return text
    return _WORD.sub(lambda m: _mask_word(m.group(0)), text)


def _mask_word(word: str) -> str:
    if "*" in word:  # a number masked above
        return word
    return word[0] + "*" * (len(word) - 1)


_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z'\-]*(?:\s+[A-Za-z][A-Za-z'\-]*)+$")


def greeting_name(value: str | None) -> str:
    """The name a marketing message greets its customer by, no more of it than needed: an
    organisation's name as it is; a name in Latin letters of several words, its first word (the
    given name: `Mary Smith` → `Mary`); any other name (Chinese) its first character and the rest
    starred (`张明` → `张*`), as bank messages write it."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    if any(word in text for word in _ORGANISATION_WORDS):
        return text
    if _LATIN_NAME.match(text):
        return text.split(" ")[0]
    return mask_counterparty(text.split(" ")[0])
