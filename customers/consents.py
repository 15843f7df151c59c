"""The wording of each consent, versioned. The text stored with a Consent is the one shown.

Change the wording → bump the version: consents given to an older version stay valid evidence of
what was agreed then, and `selectors.consent_current()` tells whether the current version was given.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from customers.models import ConsentKind


@dataclass(frozen=True)
class ConsentWording:
    kind: str
    version: str
    text: Promise  # lazily translated: str(text) is what the customer sees in their language


CREDIT_CHECK = ConsentWording(
    kind=ConsentKind.CREDIT_CHECK,
    version="2026-01",
    text=_(
        "I authorise LoanHub to query my credit report and credit information from the Credit "
        "Reference Center of the People's Bank of China and other lawfully established credit "
        "reference agencies, and to use it only to assess my loan applications and manage my "
        "loans. This authorisation lasts until all my applications and loans with LoanHub are "
        "closed, and I may withdraw it at any time for future checks."
    ),
)

MARKETING_VERSION = "2026-12"
_OPTIONAL = _(
    "This consent is optional and separate from any loan contract: refusing or withdrawing it never "
    "affects your applications or loans. You can withdraw it at any time in the portal or with the "
    "unsubscribe link in every message."
)


def _marketing(kind: str, text: Promise) -> ConsentWording:
    return ConsentWording(kind=kind, version=MARKETING_VERSION, text=format_lazy("{} {}", text, _OPTIONAL))


MARKETING_EMAIL = _marketing(
    ConsentKind.MARKETING_EMAIL,
    _("I agree that LoanHub may send me offers and news about its loan products by e-mail."),
)
MARKETING_SMS = _marketing(
    ConsentKind.MARKETING_SMS,
    _("I agree that LoanHub may send me offers and news about its loan products by SMS."),
)
MARKETING_PORTAL = _marketing(
    ConsentKind.MARKETING_PORTAL,
    _("I agree that LoanHub may show me offers and news in my portal inbox and on its pages."),
)
PERSONALISED_RECOMMENDATIONS = _marketing(
    ConsentKind.PERSONALISED_RECOMMENDATIONS,
    _(
        "I agree that LoanHub may use my profile and history with it to choose the products and "
        "offers it recommends to me (otherwise I see the same recommendations as everyone)."
    ),
)

WORDINGS = {
    wording.kind: wording
    for wording in (
        CREDIT_CHECK,
        MARKETING_EMAIL,
        MARKETING_SMS,
        MARKETING_PORTAL,
        PERSONALISED_RECOMMENDATIONS,
    )
}
