"""Other lenders' inquiries at the local demo bureau (`BureauInquiry`), recorded for the demo and
tests; `risk.bureau.LocalCreditBureau.inquiries` answers them to early warning (多头借贷)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from loanhub.errors import Invalid
from risk.identity import identifier_hash
from risk.models import BureauInquiry


def bureau_inquiry_record(
    *, id_number: str, inquired_on: dt.date, institution: str, purpose: str = "loan_application"
) -> BureauInquiry:
    """Record another lender's inquiry at the local bureau (demo and tests); the same person,
    day and institution once."""
    if not institution.strip():
        raise Invalid({"institution": [_("This field is required.")]})
    row, _created = BureauInquiry.objects.get_or_create(
        id_number_hash=identifier_hash("id_number", id_number),
        inquired_on=inquired_on,
        institution=institution.strip()[:100],
        defaults={"purpose": purpose},
    )
    return row
