"""The dashboards' downloads: one table as CSV, or every table of a page as XLSX (a sheet each).
A table is (headers, rows), the same the page shows."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

Table = tuple[list[str], list[list]]


def csv_response(name: str, headers: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitoring-{name}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 (Chinese labels)
    writer = csv.writer(response)
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return response


def xlsx_response(tables: dict[str, Table], *, name: str) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, (headers, rows) in tables.items():
        sheet = book.create_sheet(title=title[:31])
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append(
                [None if v is None else (str(v) if not isinstance(v, int | bool) else v) for v in row]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="monitoring-{name}.xlsx"'
    return response
