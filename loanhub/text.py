"""Free text typed or sent by callers: one rule for every form, serializer and service.

A text field holds printable text of at most its length: no NUL or other control characters
(C0 and C1, DEL), no bidirectional overrides that make text read differently from what it stores;
a multi-line field (a reason, a note) may also hold line breaks and tabs. The length is checked
first, so a megabyte of input is refused without scanning it.

`text_error()` answers with the message (or None) for services that collect field errors;
`TextValidator` is the same rule as a Django validator, which forms and REST framework serializers
both run, and `text_form_field()` / `text_serializer_field()` build fields that use it.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from rest_framework import serializers

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; bidi embeddings,
# overrides and isolates (U+202A–U+202E, U+2066–U+2069).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
MULTI_LINE_FORBIDDEN = re.compile(f"[{_CONTROL}]")
ONE_LINE_FORBIDDEN = re.compile(f"[{_CONTROL}\t\n\r\u2028\u2029]")


def text_error(value: str, *, max_length: int | None, multiline: bool = False) -> str | None:
    """Why `value` is not acceptable text of at most `max_length` characters, or None. A field
    that checks its own length (a form's or serializer's `max_length`) passes None."""
    if max_length is not None and len(value) > max_length:
        return _("At most %(n)s characters.") % {"n": max_length}
    forbidden = MULTI_LINE_FORBIDDEN if multiline else ONE_LINE_FORBIDDEN
    if forbidden.search(value):
        if multiline:
            return _("Remove the control characters (only letters, digits, punctuation and line breaks).")
        return _("Remove the control characters and line breaks (one line of text only).")
    return None


def printable(value: str, *, multiline: bool = False) -> str:
    """`value` without the characters `text_error` refuses: for text LoanHub keeps but did not
    ask a person to type (an uploaded file's name)."""
    return (MULTI_LINE_FORBIDDEN if multiline else ONE_LINE_FORBIDDEN).sub("", value)


@deconstructible
class TextValidator:
    """`text_error` as a validator (Django forms and REST framework serializers alike)."""

    def __init__(self, max_length: int | None = None, multiline: bool = False):
        self.max_length = max_length
        self.multiline = multiline

    def __call__(self, value) -> None:
        message = text_error(str(value), max_length=self.max_length, multiline=self.multiline)
        if message:
            raise ValidationError(message, code="invalid_text")

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and (self.max_length, self.multiline) == (
            other.max_length,
            other.multiline,
        )


# The fields check their length themselves (in the framework's words); the validator the rest.
def text_form_field(*, max_length: int, multiline: bool = False, **kwargs) -> forms.CharField:
    kwargs.setdefault("validators", []).append(TextValidator(None, multiline))
    return forms.CharField(max_length=max_length, **kwargs)


def text_serializer_field(*, max_length: int, multiline: bool = False, **kwargs) -> serializers.CharField:
    kwargs.setdefault("validators", []).append(TextValidator(None, multiline))
    return serializers.CharField(max_length=max_length, **kwargs)
