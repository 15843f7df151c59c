"""Reading a bank-statement CSV file into lines (no database): the format LoanHub imports.

The format (documented in the README, "Bank statement import"):

- A CSV file in UTF-8 (with or without a byte-order mark) or GB18030 (what Chinese banks' and
  Excel's exports use), separated by commas, tabs or semicolons.
- A header row naming the columns, in English or Chinese; rows above it (an account summary that
  many banks print first) are skipped. Recognised names, in any order and case:

  | column           | required | also accepted                                              |
  |------------------|----------|------------------------------------------------------------|
  | `value_date`     | yes      | date, 交易日期, 记账日期, 入账日期, 起息日, 日期, 交易时间   |
  | `amount`         | yes      | 金额, 交易金额, 贷方金额, 收入金额, 收入, 发生额             |
  | `reference`      | yes      | memo, remark, 附言, 摘要, 用途, 备注, 交易附言 (several are joined) |
  | `counterparty`   | no       | payer, 对方户名, 对方名称, 付款人, 付款人名称, 对方账户名称   |
  | `transaction_id` | no       | 流水号, 交易流水号, 银行流水号                                |

  Other columns are ignored.
- `value_date` as 2026-03-15, 2026/3/15, 2026.03.15, 20260315 or 2026年3月15日 (a time after
  it is ignored); `amount` in yuan, money received, positive, at most two decimal places
  (thousands separators and a ¥/￥/元/CNY/RMB marker are allowed; a negative amount is a payment
  out and is refused).

Each line gets a business key (`external_id`) that makes a second import of the same money a
duplicate: `stmt:txn:<transaction_id>` when the bank gives one, otherwise
`stmt:sha256:<hash>` of the value date, amount, reference, payer and the line's occurrence
among identical lines of the same file (two equal payments on one day in one file are two
payments; the same payment in two overlapping statement files is one).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from loanhub.errors import Invalid
from servicing.rules import MAX_PAYMENT

MAX_TRANSACTION_ID = 100
HEADER_SEARCH_ROWS = 20
DELIMITERS = (",", "\t", ";")
REQUIRED = ("value_date", "amount", "reference")

_ALIASES = {
    "value_date": (
        "value_date",
        "date",
        "transaction_date",
        "交易日期",
        "记账日期",
        "入账日期",
        "起息日",
        "日期",
        "交易时间",
    ),
    "amount": ("amount", "金额", "交易金额", "贷方金额", "收入金额", "收入", "发生额"),
    "reference": (
        "reference",
        "memo",
        "remark",
        "remarks",
        "description",
        "附言",
        "摘要",
        "用途",
        "备注",
        "交易附言",
    ),
    "counterparty": (
        "counterparty",
        "payer",
        "payer_name",
        "对方户名",
        "对方名称",
        "付款人",
        "付款人名称",
        "对方账户名称",
        "付款方户名",
    ),
    "transaction_id": ("transaction_id", "txn_id", "流水号", "交易流水号", "银行流水号"),
}


def _key(text: str) -> str:
    """A header cell as compared: NFKC, lower case, without spaces, underscores and hyphens."""
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text)).lower().lstrip("\ufeff")


HEADERS = {_key(alias): field for field, aliases in _ALIASES.items() for alias in aliases}

_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_AMOUNT = re.compile(r"^\d+(\.\d+)?$")
_CURRENCY = re.compile(r"(?i)cny|rmb|[¥￥元]")


@dataclasses.dataclass
class ParsedLine:
    """One data row of the file. `counterparty` is the raw payer text: it lives only in memory
    (the key is computed from it), the database keeps it masked."""

    line_number: int
    value_date: dt.date | None = None
    amount: Decimal | None = None
    reference: str = ""
    counterparty: str = ""
    transaction_id: str = ""
    external_id: str = ""
    error: str = ""


@dataclasses.dataclass
class ParsedStatement:
    encoding: str
    lines: list[ParsedLine]


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and its encoding: UTF-8 (BOM or not), else GB18030."""
    if b"\x00" in data[:4096]:
        raise Invalid({"file": [_("This is not a CSV text file (an Excel workbook? Save it as CSV).")]})
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise Invalid({"file": [_("The file is neither UTF-8 nor GB18030 text.")]}) from None


def _header(rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    """The index of the header row and the columns of each field, or None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, list[int]] = {}
        for position, cell in enumerate(row):
            field = HEADERS.get(_key(cell))
            if field is not None:
                columns.setdefault(field, []).append(position)
        if all(field in columns for field in REQUIRED):
            return index, columns
    return None


def _rows(text: str) -> tuple[list[tuple[int, list[str]]], int, dict[str, list[int]]]:
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = [(reader.line_num, row) for row in reader]
        except csv.Error as exc:
            raise Invalid({"file": [_("The file is not valid CSV: %(error)s") % {"error": exc}]}) from None
        found = _header([row for _n, row in rows])
        if found is not None:
            index, columns = found
            return rows[index + 1 :], len(rows[index][1]), columns
    names = ", ".join(REQUIRED)
    raise Invalid(
        {
            "file": [
                _(
                    "No header row with the columns %(names)s (or 交易日期, 金额, 附言/摘要) was found "
                    "in the first %(rows)s rows."
                )
                % {"names": names, "rows": HEADER_SEARCH_ROWS}
            ]
        }
    )


def parse_date(raw: str) -> dt.date:
    text = unicodedata.normalize("NFKC", raw).strip().split(" ")[0].split("T")[0]
    for pattern in (_ISO_DATE, _COMPACT_DATE, _CHINESE_DATE):
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                break
    raise ValueError(_("The value date “%(value)s” is not a date (write it as YYYY-MM-DD).") % {"value": raw})


def parse_amount(raw: str) -> Decimal:
    text = _CURRENCY.sub("", unicodedata.normalize("NFKC", raw)).replace(",", "").replace(" ", "")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("()").lstrip("+-")
    if not text:
        raise ValueError(_("The line has no amount."))
    if not _AMOUNT.match(text):
        raise ValueError(_("The amount “%(value)s” is not a number.") % {"value": raw})
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise ValueError(_("The amount “%(value)s” is not a number.") % {"value": raw}) from None
    if negative and amount != 0:
        raise ValueError(_("The amount is negative: money paid out is not a repayment."))
    if amount == 0:
        raise ValueError(_("The amount is zero."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("The amount “%(value)s” has more than two decimal places.") % {"value": raw})
    if amount > MAX_PAYMENT:
        raise ValueError(_("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def clean_text(raw: str) -> str:
    """Full-width characters folded (NFKC) and runs of white space made one space."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())


def line_hash(line: ParsedLine, occurrence: int) -> str:
    parts = (
        line.value_date.isoformat(),
        str(line.amount),
        line.reference,
        line.counterparty,
        str(occurrence),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _cell(row: list[str], positions: list[int] | None) -> str:
    if not positions:
        return ""
    return " ".join(row[p] for p in positions if p < len(row) and row[p].strip())


def _parse_row(number: int, row: list[str], width: int, columns: dict[str, list[int]]) -> ParsedLine:
    line = ParsedLine(line_number=number)
    line.reference = clean_text(_cell(row, columns.get("reference")))
    line.counterparty = clean_text(_cell(row, columns.get("counterparty")))
    line.transaction_id = clean_text(_cell(row, columns.get("transaction_id")))
    errors = []
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        errors.append(
            _(
                "The line has %(cells)s cells where the header has %(width)s "
                "(a comma inside an unquoted field?)."
            )
            % {"cells": len(row), "width": width}
        )
    try:
        line.value_date = parse_date(_cell(row, columns["value_date"]))
    except ValueError as exc:
        errors.append(str(exc))
    try:
        line.amount = parse_amount(_cell(row, columns["amount"]))
    except ValueError as exc:
        errors.append(str(exc))
    if len(line.transaction_id) > MAX_TRANSACTION_ID:
        errors.append(_("The transaction id is longer than %(n)s characters.") % {"n": MAX_TRANSACTION_ID})
    line.error = " ".join(errors)
    return line


def parse_statement(data: bytes) -> ParsedStatement:
    """The file's data rows as lines, each with its key or its error. Raises Invalid (field
    `file`) when the file as a whole cannot be read: not text, not CSV, no header row."""
    text, encoding = decode(data)
    rows, width, columns = _rows(text)
    lines = []
    seen: dict[tuple, int] = {}
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = _parse_row(number, row, width, columns)
        if not line.error:
            if line.transaction_id:
                line.external_id = f"stmt:txn:{line.transaction_id}"
            else:
                identity = (line.value_date, line.amount, line.reference, line.counterparty)
                occurrence = seen.get(identity, 0)
                seen[identity] = occurrence + 1
                line.external_id = f"stmt:sha256:{line_hash(line, occurrence)}"
        lines.append(line)
    return ParsedStatement(encoding=encoding, lines=lines)


# A loan number in a reference: L and eight digits, alone (not inside a longer word or number),
# in any case and in full-width characters too (the text is NFKC-folded first).
LOAN_NUMBER = re.compile(r"(?<![0-9A-Z])L\d{8}(?!\d)")


def loan_numbers(reference: str) -> list[str]:
    """The distinct loan numbers a reference names, in order of appearance."""
    found = LOAN_NUMBER.findall(unicodedata.normalize("NFKC", reference).upper())
    return list(dict.fromkeys(found))
