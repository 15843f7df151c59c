"""Schedule downloads: CSV and Excel (.xlsx) with money as exact decimals.

The CSV carries amounts as plain strings with two decimals; the workbook stores Decimals as
numbers with a two-decimal format (openpyxl writes a Decimal's exact digits, no float rounding
of the cents shown).
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

COLUMNS = ("number", "due_date", "payment", "principal", "interest", "fees", "balance")


def _headers() -> list[str]:
    return [_("No."), _("Due date"), _("Payment"), _("Principal"), _("Interest"), _("Fees"), _("Balance")]


def schedule_csv(rows: list[dict], summary: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([row["number"], row["due_date"].isoformat(), *(f"{row[c]:.2f}" for c in COLUMNS[2:])])
    writer.writerow([])
    writer.writerow([_("Total interest"), f"{summary['total_interest']:.2f}"])
    writer.writerow([_("Total fees"), f"{summary['total_fees']:.2f}"])
    writer.writerow([_("Total to repay"), f"{summary['total_payable']:.2f}"])
    writer.writerow([_("APR"), f"{summary['apr']:.6f}"])
    # A byte-order mark so that spreadsheet programs open the Chinese headers as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def schedule_xlsx(rows: list[dict], summary: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Schedule")[:31]
    sheet.append(_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row["number"], row["due_date"], *(row[c] for c in COLUMNS[2:])])
    for column in "CDEFG":
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    for cell in sheet["B"][1:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.append([])
    for label, value, fmt in (
        (_("Total interest"), summary["total_interest"], "#,##0.00"),
        (_("Total fees"), summary["total_fees"], "#,##0.00"),
        (_("Total to repay"), summary["total_payable"], "#,##0.00"),
        (_("APR"), summary["apr"], "0.0000%"),
    ):
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=2).number_format = fmt
    sheet.column_dimensions["B"].width = 12
    for column in "CDEFG":
        sheet.column_dimensions[column].width = 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
