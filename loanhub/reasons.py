"""An event's reason in the reader's language, with the English text kept for the audit trail.

A service records a system reason as a code and its parameters (`coded("offer_expired",
at=...)`): `record_event` stores the English sentence in `reason` (the audit record, as before)
and the code and parameters beside it (`reason_code`, `reason_params`). The console and the
customer's timeline render the code through gettext in the page's language at display time, the
parameters formatted for that language (dates, rates, choice labels).

Each app registers its reasons (`register`), in its own `event_reasons` module. The English
template is the msgid, so events written before codes existed are recognised by their text:
the template becomes a pattern whose placeholders capture the parameters. A reason that matches
nothing — the words an officer typed — is shown as written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import override

# How a parameter is shown: a date or time in the page's format, a code
# as its label (a dict of lazy labels), free text as written, a technical detail in <code>.
DATE, DATETIME, TEXT, DETAIL = "date", "datetime", "text", "detail"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class ReasonKind:
    """One kind of system reason: `text` is a lazy translation whose msgid is the English audit
    sentence, with %(name)s placeholders; `params` says how each one is shown."""

    code: str
    text: Any
    params: dict[str, Any] = field(default_factory=dict)
    # The English audit sentence when it differs from the displayed text's msgid (a reason
    # whose stored form predates the codes), and a stricter pattern for its old events.
    audit: str = ""
    pattern: re.Pattern | None = None

    def __post_init__(self):
        if self.pattern is not None:
            return
        msgid = self.english_template
        parts, last = [], 0
        for match in PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[last : match.start()]))
            parts.append(f"(?P<{match.group(1)}>.+?)")
            last = match.end()
        parts.append(re.escape(msgid[last:]))
        object.__setattr__(self, "pattern", re.compile("^" + "".join(parts) + "$", re.DOTALL))

    @property
    def english_template(self) -> str:
        if self.audit:
            return self.audit
        with override("en"):
            return str(self.text)


REASONS: dict[str, ReasonKind] = {}
# English text → code, for the reasons without parameters (the most frequent, matched first).
_FIXED: dict[str, str] = {}


def register(code: str, text, *, audit: str = "", pattern: str = "", **params) -> ReasonKind:
    """Register reason `code`; `params` name each placeholder's display kind (TEXT by default)."""
    compiled = re.compile(pattern) if pattern else None
    kind = ReasonKind(code=code, text=text, params=params, audit=audit, pattern=compiled)
    REASONS[code] = kind
    if not PLACEHOLDER.search(kind.english_template):
        _FIXED[kind.english_template] = code
    return kind


@dataclass(frozen=True)
class Coded:
    """A reason as a service records it: a registered code and its parameters."""

    code: str
    params: dict[str, Any]

    def english(self) -> str:
        kind = REASONS[self.code]
        return kind.english_template % {name: _plain(value) for name, value in self.params.items()}

    def __str__(self) -> str:
        return self.english()


def coded(code: str, **params) -> Coded:
    if code not in REASONS:
        raise KeyError(f"unregistered event reason {code!r}")
    return Coded(code=code, params=params)


def _plain(value) -> str:
    """A parameter in the English audit sentence, as the services wrote it before codes."""
    if hasattr(value, "label") and hasattr(value, "value"):  # a TextChoices member
        return str(value.value)
    return str(value)


def stored(reason) -> tuple[str, str, dict]:
    """(English text, code, parameters) to store for `reason` (a Coded or a string); a string
    that is a registered fixed reason gets its code too."""
    from loanhub.transitions import json_safe

    if isinstance(reason, Coded):
        params = {name: _plain(v) if hasattr(v, "label") else v for name, v in reason.params.items()}
        return reason.english()[:2000], reason.code, json_safe(params)
    text = (str(reason) if reason is not None else "")[:2000]
    return text, _FIXED.get(text, ""), {}


def recognise(event) -> tuple[ReasonKind, dict] | None:
    """The kind and parameters of `event`'s reason: from its code, or (events written before
    codes) from its English text; None for a reason a person typed."""
    code = getattr(event, "reason_code", "") or ""
    if code in REASONS:
        return REASONS[code], dict(getattr(event, "reason_params", None) or {})
    reason = event.reason or ""
    if reason in _FIXED:
        return REASONS[_FIXED[reason]], {}
    # The longest template first: "promise %(status)s" also matches "promise broken: payment
    # reversed", whose own template is the longer one.
    for kind in sorted(REASONS.values(), key=lambda k: -len(k.english_template)):
        if PLACEHOLDER.search(kind.english_template):
            match = kind.pattern.match(reason)
            if match:
                return kind, match.groupdict()
    return None


def reason_text(event) -> str:
    """The reason in the active language, as plain text."""
    found = recognise(event)
    if found is None:
        return event.reason or ""
    kind, params = found
    return str(kind.text) % {
        name: _shown(kind.params.get(name, TEXT), params.get(name, "")) for name in _names(kind)
    }


def reason_html(event) -> SafeString:
    """The reason in the active language as HTML: parameters escaped, a technical detail (an
    error message from a library) in <code>, apart from the words around it."""
    found = recognise(event)
    if found is None:
        return format_html("{}", event.reason or "")
    kind, params = found
    values = {}
    for name in _names(kind):
        how = kind.params.get(name, TEXT)
        shown = _shown(how, params.get(name, ""))
        values[name] = format_html("<code>{}</code>", shown) if how == DETAIL else format_html("{}", shown)
    template = str(kind.text)
    pieces, last = [], 0
    for match in PLACEHOLDER.finditer(template):
        pieces.append((template[last : match.start()], ""))
        pieces.append(("", values[match.group(1)]))
        last = match.end()
    pieces.append((template[last:], ""))
    return format_html_join("", "{}{}", pieces) if pieces else mark_safe("")


def _names(kind: ReasonKind) -> list[str]:
    return PLACEHOLDER.findall(kind.english_template)


def _shown(how, value) -> str:
    if value is None or value == "":
        return ""
    if how == DATETIME:
        moment = parse_datetime(str(value)) if not isinstance(value, dt.datetime) else value
        if moment is None:
            return str(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "DATETIME_FORMAT")
    if how == DATE:
        from loanhub.formatting import date_text

        day = value if isinstance(value, dt.date) else parse_date(str(value)[:10])
        return date_text(day) if day is not None else str(value)
    if isinstance(how, dict):  # a code and its lazy label
        label = how.get(str(value))
        return str(label) if label is not None else str(value)
    if callable(how):
        return str(how(value))
    return str(value)
