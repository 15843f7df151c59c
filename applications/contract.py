"""The loan contract of an offer, as a document: built from the offer as it was shown and stored
(`LoanApplication.offer`), never re-priced, so its figures are to the cent what the customer saw.

`contract_document` gives the sections once, in the page's language; the HTML page
(templates/applications/contract.html) and the PDF (`contract_pdf`, through `loanhub.pdf`) both
draw these, so they cannot disagree. The borrower reads their own full name; staff (who may view
every application) see it masked, and the identity number is always masked
(`customers.masking`, the one place that masks personal data).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications import permissions as perms
from applications.models import LoanApplication
from customers.masking import mask_counterparty, mask_id_number
from loanhub import pdf
from loanhub.formatting import cny_text, date_text, percent_text
from products import choices as pc


def _money(value) -> str:
    return "" if value in (None, "") else cny_text(Decimal(str(value)))


def _percent(value) -> str:
    return "" if value in (None, "") else percent_text(Decimal(str(value)))


def _date(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return date_text(value)


def _label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def contract_document(application: LoanApplication, *, viewer) -> dict:
    """The contract's title, parties, terms, fees, prepayment terms and schedule, all as text."""
    offer = application.offer
    customer = application.customer
    own = perms.is_owner(viewer, application)
    borrower = customer.legal_name if own else mask_counterparty(customer.legal_name)
    prepayment = offer.get("prepayment") or {}
    penalty = offer.get("penalty") or {}
    fees = []
    for fee in offer.get("fees") or []:
        value = (
            _money(fee.get("amount")) if fee.get("amount") not in (None, "") else _percent(fee.get("rate"))
        )
        fees.append(f"{fee.get('name', '')}: {value}")
    after = int(prepayment.get("allowed_after_installments") or 0)
    prepayment_terms = [
        ngettext(
            "You may repay early after %(count)s installment.",
            "You may repay early after %(count)s installments.",
            after,
        )
        % {"count": after}
        if after
        else _("You may repay early at any time."),
        _("Early repayment fee: %(rate)s of the principal repaid early.")
        % {"rate": _percent(prepayment.get("fee_rate") or "0")},
        _("Overdue amounts bear penalty interest at an annual rate of %(rate)s.")
        % {"rate": _percent(penalty.get("annual_rate"))},
    ]
    terms = [
        (_("Loan amount"), _money(offer.get("amount"))),
        (_("Amount you receive"), _money(offer.get("net_proceeds"))),
        (
            _("Term"),
            ngettext("%(count)s month", "%(count)s months", int(offer["term"])) % {"count": offer["term"]},
        ),
        (_("Number of installments"), str(offer.get("installments", ""))),
        (_("Repayment method"), _label(pc.RepaymentMethod, offer.get("method"))),
        (_("Repayment frequency"), _label(pc.Frequency, offer.get("frequency"))),
        (_("Rate type"), _label(pc.RateType, offer.get("rate_type"))),
        (_("Annual interest rate"), _percent(offer.get("annual_rate"))),
        (_("APR (annual percentage rate)"), _percent(offer.get("apr"))),
        (_("Installment"), _money(offer.get("installment"))),
        (_("Total interest"), _money(offer.get("total_interest"))),
        (_("Total fees"), _money(offer.get("total_fees"))),
        (_("Total cost"), _money(offer.get("total_cost"))),
        (_("Total to repay"), _money(offer.get("total_payable"))),
    ]
    schedule = [
        {
            "number": row.get("number"),
            "due_date": _date(row.get("due_date")),
            "payment": _money(row.get("payment")),
            "principal": _money(row.get("principal")),
            "interest": _money(row.get("interest")),
            "fees": _money(row.get("fees")),
            "balance": _money(row.get("balance")),
        }
        for row in offer.get("schedule") or []
    ]
    return {
        "title": _("Loan contract"),
        "number": str(application),
        "product": offer.get("product", {}).get("name", ""),
        "priced_on": _date(offer.get("priced_on")),
        "expires": _date(application.offer_expires_at),
        "accepted": _date(application.offer_accepted_at),
        "lender": _("LoanHub (the lender)"),
        "borrower": borrower,
        "borrower_id": mask_id_number(customer.id_number),
        "terms": terms,
        "fees": fees,
        "prepayment": prepayment_terms,
        "schedule": schedule,
        "schedule_headers": [
            _("No."),
            _("Due date"),
            _("Payment"),
            _("Principal"),
            _("Interest"),
            _("Fees"),
            _("Balance"),
        ],
        "digest": offer.get("digest", ""),
    }


def contract_pdf(document: dict) -> bytes:
    """The same document as a PDF (text only, the Chinese font the viewer has built in)."""
    lines = [
        pdf.Line(document["title"], size=18, bold=True),
        pdf.Line(_("Contract number: %(number)s") % {"number": document["number"]}, space_before=4),
        pdf.Line(_("Product: %(name)s") % {"name": document["product"]}),
        pdf.Line(_("Priced on %(date)s") % {"date": document["priced_on"]}),
    ]
    if document["expires"]:
        lines.append(pdf.Line(_("This offer is valid until %(date)s.") % {"date": document["expires"]}))
    lines += [
        pdf.Line(_("Parties"), size=13, bold=True, space_before=10),
        pdf.Line(_("Lender: %(name)s") % {"name": document["lender"]}),
        pdf.Line(
            _("Borrower: %(name)s (identity number %(id)s)")
            % {"name": document["borrower"], "id": document["borrower_id"]}
        ),
        pdf.Line(_("Loan terms"), size=13, bold=True, space_before=10),
    ]
    lines += [pdf.Line(f"{label}: {value}") for label, value in document["terms"]]
    lines.append(pdf.Line(_("Fees"), size=13, bold=True, space_before=10))
    lines += [pdf.Line(fee) for fee in document["fees"]] or [pdf.Line(_("No fees."))]
    lines.append(pdf.Line(_("Prepayment and late payment"), size=13, bold=True, space_before=10))
    lines += [pdf.Line(text) for text in document["prepayment"]]
    lines.append(pdf.Line(_("Repayment schedule"), size=13, bold=True, space_before=10))
    lines.append(pdf.Line(" | ".join(document["schedule_headers"]), size=8, bold=True))
    for row in document["schedule"]:
        cells = [
            str(row[key])
            for key in ("number", "due_date", "payment", "principal", "interest", "fees", "balance")
        ]
        lines.append(pdf.Line(" | ".join(cells), size=8))
    lines.append(
        pdf.Line(_("Offer reference: %(digest)s") % {"digest": document["digest"]}, size=7, space_before=10)
    )
    return pdf.render(lines, title=f"{document['title']} {document['number']}")
