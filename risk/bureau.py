"""The credit-bureau (征信) interface and LoanHub's local, database-backed implementation.

What only a bureau can tell — credit history, open credits, other instalment plans, monthly debt
payments — comes through `CreditBureau.fetch()`. `get_bureau()` builds the implementation named by
the setting `LOANHUB_CREDIT_BUREAU` (a dotted path), so a real bureau plugs in by configuration.
The local bureau reads `risk.models.CreditFile` rows (demo files seeded by `demo.risk`) and, for
post-loan monitoring, `inquiries()` answers the other lenders' recent inquiries of a batch of
people from `risk.models.BureauInquiry` rows (the deterministic demo and test backend: no network). A person
without a file is reported as such: a thin file (no credit history), which the THIN_FILE rule
refers to an officer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from risk.identity import identifier_hash


class BureauUnavailable(Exception):
    """The bureau did not answer; the task retries later."""


@dataclass(frozen=True)
class BureauReport:
    found: bool
    credit_history: str
    existing_credits: int
    other_installment_plans: str
    monthly_debt: Decimal

    @classmethod
    def no_file(cls) -> BureauReport:
        return cls(False, "no_credits", 0, "none", Decimal("0"))

    def as_features(self) -> dict:
        return {
            "credit_history": self.credit_history,
            "existing_credits": self.existing_credits,
            "other_installment_plans": self.other_installment_plans,
            "bureau_monthly_debt": self.monthly_debt,
        }


@dataclass(frozen=True)
class Inquiry:
    """A credit inquiry by another lender: the person applied for credit elsewhere (多头借贷)."""

    inquired_on: dt.date
    institution: str


class CreditBureau(Protocol):
    def fetch(self, *, id_number: str) -> BureauReport: ...

    def inquiries(self, *, id_numbers: list[str], since: dt.date, until: dt.date) -> dict[str, list[Inquiry]]:
        """The inquiries made between `since` (exclusive) and `until` (inclusive) for each of
        `id_numbers` that has any (a bureau's post-loan monitoring query, by batch)."""
        ...


class LocalCreditBureau:
    """Credit files kept in LoanHub's own database (demo and pilot)."""

    def fetch(self, *, id_number: str) -> BureauReport:
        from risk.models import CreditFile

        row = CreditFile.objects.filter(id_number_hash=identifier_hash("id_number", id_number)).first()
        if row is None:
            return BureauReport.no_file()
        return BureauReport(
            True, row.credit_history, row.existing_credits, row.other_installment_plans, row.monthly_debt
        )

    def inquiries(self, *, id_numbers: list[str], since: dt.date, until: dt.date) -> dict[str, list[Inquiry]]:
        from risk.models import BureauInquiry

        by_hash = {identifier_hash("id_number", number): number for number in id_numbers}
        rows = BureauInquiry.objects.filter(
            id_number_hash__in=list(by_hash), inquired_on__gt=since, inquired_on__lte=until
        ).order_by("inquired_on", "id")
        found: dict[str, list[Inquiry]] = {}
        for person, on, institution in rows.values_list("id_number_hash", "inquired_on", "institution"):
            found.setdefault(by_hash[person], []).append(Inquiry(on, institution))
        return found


def get_bureau() -> CreditBureau:
    return import_string(settings.LOANHUB_CREDIT_BUREAU)()
