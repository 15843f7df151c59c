"""A journal entry's memo in the reader's language.

The posting functions write the memo in English, as before: it is the ledger's audit record and
is never rewritten. The console shows it through the templates below, recognised by their
English text as `loanhub.reasons` recognises old event reasons: each template's msgid is the
English memo with %(name)s placeholders, so a memo becomes the translated sentence with the same
values (loan and line numbers, dates as written). A memo that matches no template is shown as
stored.
"""

from __future__ import annotations

import functools
import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from servicing.choices import Classification

PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# The English memos the posting functions write (servicing/*.py), as translatable templates.
TEMPLATES = (
    _("Disbursement of %(loan)s for %(origin)s"),
    _("Repayment %(repayment)s of %(loan)s"),
    _("Reversal of %(repayment)s: %(reason)s"),
    _("Recalculation of %(loan)s"),
    _("Classification set to %(classification)s"),
    _("Before the write-off of %(loan)s"),
    _("Write-off %(change)s of %(loan)s"),
    _("Recovery %(recovery)s of written-off %(loan)s"),
    _("Prepayment %(change)s of %(loan)s"),
    _("Deferral %(change)s of %(loan)s"),
    _("Restructuring %(change)s of %(loan)s"),
    _("Rate reset %(change)s of %(loan)s"),
    _("Draw on credit line %(line)s"),
    _("Repayment on credit line %(line)s"),
    _("Close of business %(day)s for %(loan)s"),
    _("Close of business %(day)s, chunk %(chunk)s: accrual, penalty, provisions"),
    _("Statement line %(line)s: %(step)s"),
    _("Interest of credit line %(line)s through %(day)s"),
    _("Penalty interest of credit line %(line)s through %(day)s"),
    _("Loan-loss provision of credit line %(line)s through %(day)s"),
    _("Interest in suspense of credit line %(line)s through %(day)s"),
    _("Penalty interest in suspense of credit line %(line)s through %(day)s"),
)

# Parameters that are codes, shown as their labels.
STATEMENT_STEPS = {
    "received": _("received into suspense"),
    "released": _("released to a loan"),
    "returned": _("returned to the payer"),
}
LABELS = {"step": STATEMENT_STEPS, "classification": dict(Classification.choices)}


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern, object], ...]:
    """(pattern of the English memo, lazy template), the longest template first."""
    compiled = []
    for template in TEMPLATES:
        with override("en"):
            english = str(template)
        parts, last = [], 0
        for match in PLACEHOLDER.finditer(english):
            parts.append(re.escape(english[last : match.start()]))
            parts.append(f"(?P<{match.group(1)}>.+?)")
            last = match.end()
        parts.append(re.escape(english[last:]))
        compiled.append((len(english), re.compile("^" + "".join(parts) + "$", re.DOTALL), template))
    return tuple((pattern, template) for _length, pattern, template in sorted(compiled, key=lambda c: -c[0]))


def memo_text(memo: str) -> str:
    """`memo` in the active language (as stored when no template matches it)."""
    for pattern, template in _patterns():
        match = pattern.match(memo or "")
        if match:
            params = {
                name: str(LABELS.get(name, {}).get(value, value)) for name, value in match.groupdict().items()
            }
            return str(template) % params
    return memo or ""
