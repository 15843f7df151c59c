"""The wording of each consent, versioned. The text stored with a Consent is the one shown.

Change the wording → bump the version: consents given to an older version stay valid evidence of
what was agreed then, and `selectors.consent_current()` tells whether the current version was given.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
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

WORDINGS = {CREDIT_CHECK.kind: CREDIT_CHECK}
