"""An application event's reason in the reader's language.

The system writes its reasons in English into the event log (they are the audit record and stay
as written); the console shows the fixed ones, the automatic decision ("refer B (558)") and the
rules a decision cites in the page's language. A reason an officer typed is shown as typed."""

from __future__ import annotations

import re

from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

FIXED = {
    "created": pgettext_lazy("event reason", "created"),
    "submitted": pgettext_lazy("event reason", "submitted"),
    "scoring requested": pgettext_lazy("event reason", "scoring requested"),
    "offer accepted": pgettext_lazy("event reason", "offer accepted"),
    "approved automatically": pgettext_lazy("event reason", "approved automatically"),
    "guarantor added": pgettext_lazy("event reason", "guarantor added"),
    "collateral recorded": pgettext_lazy("event reason", "collateral recorded"),
    "disbursed": pgettext_lazy("event reason", "disbursed"),
    "credit line opened": pgettext_lazy("event reason", "credit line opened"),
    "withdrawn by the customer": pgettext_lazy("event reason", "withdrawn by the customer"),
    "offer declined by the customer": pgettext_lazy("event reason", "offer declined by the customer"),
    "grade override rejected": pgettext_lazy("event reason", "grade override rejected"),
    "accepted offer not paid out in time": pgettext_lazy(
        "event reason", "accepted offer not paid out in time"
    ),
    "risk could not score the application": pgettext_lazy(
        "event reason", "risk could not score the application"
    ),
    "identity not verified: an officer must review it": pgettext_lazy(
        "event reason", "identity not verified: an officer must review it"
    ),
}
DECISION = re.compile(r"^(approve|refer|decline) ([A-E]) \((-?\d+)\)$")


def event_reason_text(event) -> str:
    reason = event.reason or ""
    if reason in FIXED:
        return str(FIXED[reason])
    match = DECISION.match(reason)
    if match:
        from risk.choices import Outcome

        outcome, grade, score = match.groups()
        return _("%(outcome)s: grade %(grade)s, score %(score)s") % {
            "outcome": dict(Outcome.choices).get(outcome, outcome),
            "grade": grade,
            "score": score,
        }
    if event.actor_id is None:
        cited = _rules_in_language(event, reason)
        if cited:
            return cited
    return reason


def _rules_in_language(event, reason: str) -> str:
    """The decision's rules in the page's language when `reason` is their English text joined
    (as applications.services.decisions writes it); "" otherwise."""
    decision = event.application.decision
    if decision is None:
        return ""
    rules = [r for r in decision.reasons if r.get("kind") == "rule"]
    if not rules or "; ".join(r.get("en", "") for r in rules) != reason:
        return ""
    key = "zh" if (get_language() or "").startswith("zh") else "en"
    return "; ".join(r.get(key) or r.get("en", "") for r in rules)
