"""The Chinese catalogue is complete: every msgid of locale/zh_Hans has a translation, none is
fuzzy (a guess gettext's msgmerge made that nobody checked, which Django never shows), and the
compiled .mo says what the .po says (compilemessages was run after the last edit).

When this fails after `make messages`: fill the msgstr of the strings it names in
locale/zh_Hans/LC_MESSAGES/django.po, remove their `#, fuzzy` line, and run `make messages` again.
"""

from __future__ import annotations

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """The entries of a PO file (the header included, obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    entry, target = Entry(), None

    def flush():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if target is not None:
                flush()
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            if target is not None:
                flush()
            entry.msgctxt, target = _unquote(line[8:]), "msgctxt"
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), "msgid_plural"
        elif line.startswith("msgid "):
            if target not in (None, "msgctxt"):
                flush()
            entry.msgid, target = _unquote(line[6:]), "msgid"
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry.msgstr[index], target = _unquote(line[line.index("]") + 1 :].strip()), index
        elif line.startswith("msgstr "):
            entry.msgstr[0], target = _unquote(line[7:]), 0
        elif line.startswith('"'):
            if isinstance(target, int):
                entry.msgstr[target] += _unquote(line)
            elif target is not None:
                setattr(entry, target, getattr(entry, target) + _unquote(line))
    flush()
    return entries


def _entries() -> list[Entry]:
    return [e for e in parse_po(PO.read_text(encoding="utf-8")) if e.msgid]


def _name(entry: Entry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def test_the_parser_reads_fuzzy_plural_and_untranslated_entries():
    text = "\n".join(
        [
            'msgid ""',
            'msgstr "Content-Type: text/plain; charset=UTF-8\\n"',
            "",
            "#, fuzzy",
            'msgid "Sign in"',
            'msgstr "登录"',
            "",
            "#, python-format",
            'msgid "one %(n)s"',
            'msgid_plural "many %(n)s"',
            'msgstr[0] ""',
            "",
            'msgctxt "month"',
            'msgid "May"',
            'msgstr ""',
            '"五月"',
            "",
            '#~ msgid "old"',
            '#~ msgstr ""',
        ]
    )
    header, fuzzy, plural, context = parse_po(text)
    assert header.msgid == ""
    assert (fuzzy.msgid, fuzzy.flags) == ("Sign in", {"fuzzy"})
    assert (plural.msgid_plural, plural.msgstr, plural.flags) == ("many %(n)s", {0: ""}, {"python-format"})
    assert (context.msgctxt, context.msgstr) == ("month", {0: "五月"})


def test_every_chinese_msgid_is_translated_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 1000  # the catalogue was read, not an empty file
    untranslated = [_name(e) for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [_name(e) for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _entries():
        if entry.msgid_plural is not None:
            shown = (
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if entry.msgctxt
                else (compiled.ngettext(entry.msgid, entry.msgid_plural, 1))
            )
            expected = entry.msgstr.get(0, "")
        else:
            shown = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt
                else compiled.gettext(entry.msgid)
            )
            expected = entry.msgstr.get(0, "")
        if expected and shown != expected:
            stale.append(_name(entry))
    assert stale == [], "run `make messages` (compilemessages) after editing the .po file"
