"""An application event's reason in the reader's language.

The system writes its reasons in English into the event log (they are the audit record and stay
as written), with a code and parameters (loanhub.reasons) so the console and the customer's
timeline show them in the page's language; older events are recognised by their English text.
The rules a decision cites are shown in the page's language. A reason an officer typed is shown
as typed."""

from __future__ import annotations

from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from loanhub.reasons import DATETIME, DETAIL, reason_html, reason_text, recognise, register
from risk.choices import Outcome, RequestState

FIXED = {
    "app.created": pgettext_lazy("event reason", "created"),
    "app.submitted": pgettext_lazy("event reason", "submitted"),
    "app.scoring_requested": pgettext_lazy("event reason", "scoring requested"),
    "app.offer_accepted": pgettext_lazy("event reason", "offer accepted"),
    "app.approved_automatically": pgettext_lazy("event reason", "approved automatically"),
    "app.guarantor_added": pgettext_lazy("event reason", "guarantor added"),
    "app.collateral_recorded": pgettext_lazy("event reason", "collateral recorded"),
    "app.disbursed": pgettext_lazy("event reason", "disbursed"),
    "app.credit_line_opened": pgettext_lazy("event reason", "credit line opened"),
    "app.withdrawn": pgettext_lazy("event reason", "withdrawn by the customer"),
    "app.offer_declined": pgettext_lazy("event reason", "offer declined by the customer"),
    "app.grade_override_rejected": pgettext_lazy("event reason", "grade override rejected"),
    "app.acceptance_expired": pgettext_lazy("event reason", "accepted offer not paid out in time"),
    "app.not_scored": pgettext_lazy("event reason", "risk could not score the application"),
    "app.identity_unverified": pgettext_lazy(
        "event reason", "identity not verified: an officer must review it"
    ),
    "app.requeued": pgettext_lazy("event reason", "requeued: stuck in scoring"),
    # applications.services.business.REFER_REASON
    "app.business_assessment_needed": pgettext_lazy(
        "event reason", "business customer: an officer's qualitative assessment is needed"
    ),
}
for _code, _text in FIXED.items():
    register(_code, _text)

OUTCOMES = dict(Outcome.choices)
REQUEST_STATES = {**dict(RequestState.choices), "missing": _("missing")}

register(
    "app.decision",
    _("%(outcome)s: grade %(grade)s, score %(score)s"),
    audit="%(outcome)s %(grade)s (%(score)s)",
    pattern=r"^(?P<outcome>approve|refer|decline) (?P<grade>[A-E]) \((?P<score>-?\d+)\)$",
    outcome=OUTCOMES,
)
register("app.assigned", pgettext_lazy("event reason", "assigned to %(officer)s"))
register("app.offer_expired", pgettext_lazy("event reason", "offer expired at %(at)s"), at=DATETIME)
register(
    "app.scoring_failed",
    pgettext_lazy("event reason", "risk scoring failed, to be retried: %(error)s"),
    error=DETAIL,
)
register(
    "app.unscorable",
    pgettext_lazy("event reason", "referred: the application could not be scored (%(error)s)"),
    error=DETAIL,
)
register(
    "app.stuck_in_scoring",
    pgettext_lazy("event reason", "stuck in scoring since %(since)s; scoring request %(state)s"),
    since=DATETIME,
    state=REQUEST_STATES,
)
register(
    "app.business_assessed",
    pgettext_lazy("event reason", "business assessed: %(grade)s (%(score)s), rubric v%(version)s"),
)
register(
    "app.grade_override_approved",
    pgettext_lazy("event reason", "grade override to %(grade)s approved: %(note)s"),
)

# The reasons a customer may read on the timeline although the system, not they, recorded them.
CUSTOMER_SAFE = frozenset({"app.offer_expired"})


def event_reason_text(event) -> str:
    """The reason in the page's language as HTML (a technical detail in <code>)."""
    if event.actor_id is None and recognise(event) is None:
        cited = _rules_in_language(event, event.reason or "")
        if cited:
            return cited
    return reason_html(event)


def customer_reason_text(event) -> str:
    """A system reason the customer may read, in the page's language; "" for the others."""
    found = recognise(event)
    if found is None or found[0].code not in CUSTOMER_SAFE:
        return ""
    return reason_text(event)


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
