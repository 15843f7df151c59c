"""The reasons risk records on its events (score models, scoring requests, business rubrics and
ratings, concentration limits), as codes shown in the reader's language (loanhub.reasons)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loanhub.reasons import register
from risk.choices import Outcome

FIXED = {
    "risk.created": pgettext_lazy("event reason", "created"),
    "risk.draft_written": pgettext_lazy("event reason", "draft written"),
    "risk.trained": pgettext_lazy("event reason", "trained"),
    "risk.challenger_on": pgettext_lazy("event reason", "challenger on"),
    "risk.challenger_off": pgettext_lazy("event reason", "challenger off"),
    "risk.seeded": pgettext_lazy("event reason", "seeded"),
    "risk.retired_in_admin": pgettext_lazy("event reason", "retired in admin"),
    "risk.retired_in_the_admin": pgettext_lazy("event reason", "retired in the admin"),
    "risk.retried_in_the_admin": pgettext_lazy("event reason", "retried in the admin"),
    "risk.requeued": pgettext_lazy("event reason", "requeued: stuck in scoring"),
}
for _code, _text in FIXED.items():
    register(_code, _text)

register("risk.replaced_by_version", pgettext_lazy("event reason", "replaced by v%(version)s"))
register("risk.replaced_by_limit", pgettext_lazy("event reason", "replaced by limit %(limit)s"))
register(
    "risk.assessed",
    pgettext_lazy("event reason", "assessed: %(grade)s (%(score)s) under rubric v%(version)s"),
)
register(
    "risk.scored",
    _("%(outcome)s: grade %(grade)s"),
    audit="%(outcome)s %(grade)s",
    pattern=r"^(?P<outcome>approve|refer|decline) (?P<grade>[A-E]?)$",
    outcome=dict(Outcome.choices),
)
