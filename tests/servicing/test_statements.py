"""Bank statement import: lines matched to loans by reference, unmatched ones in suspense, nothing
posted twice however often a file comes in, bad lines reported without stopping the file, and
suspense lines assigned to a loan (posted once) or returned to the payer, the ledger balanced."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import translation

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid
from servicing import repayments, statements
from servicing.models import JournalEntry, Posting, Repayment, StatementImport, StatementLine
from servicing.selectors import ledger_accounts_with_balances
from servicing.statement_csv import loan_numbers
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory, open_loan
from tests.servicing.test_repayments import assert_books_balance

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = "value_date,amount,reference,counterparty,transaction_id"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode(encoding)


@pytest.fixture(autouse=True)
def _english():
    """Line messages are stored in the importer's language; these tests read them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer():
    return UserFactory(username="officer-s", role=roles.LOAN_OFFICER)


@pytest.fixture
def loan():
    """A loan whose first installment fell due a few days ago."""
    return open_loan(disbursed_on=clock.today() - relativedelta(months=1) - dt.timedelta(days=5), fees=[])


def _first(loan):
    return loan.installments.get(number=1)


def _import(data: bytes, actor, name="statement.csv") -> StatementImport:
    return statements.import_statement(data=data, file_name=name, actor=actor)


def _balance(code: str) -> Decimal:
    return {a.code: a.balance for a in ledger_accounts_with_balances()}[code]


@pytest.mark.parametrize(
    ("reference", "found"),
    [
        ("L00000042", ["L00000042"]),
        ("还款 l00000042 张三", ["L00000042"]),
        ("贷款号:L00000042。", ["L00000042"]),
        ("Ｌ００００００４２", ["L00000042"]),  # full-width, as some banking apps write it
        ("L00000042 and again L00000042", ["L00000042"]),
        ("L00000042 L00000043", ["L00000042", "L00000043"]),
        ("XL00000042", []),  # inside a longer word
        ("L000000421", []),  # nine digits: not a loan number
        ("L0000042", []),
        ("", []),
    ],
)
def test_the_loan_number_rule(reference, found):
    assert loan_numbers(reference) == found


def test_a_line_naming_an_active_loan_is_posted_with_its_allocation(officer, loan):
    first = _first(loan)
    data = csv_bytes(f"{first.due_date},{first.payment},还款 {loan.number.lower()},张明,TX-1")

    statement = _import(data, officer)

    assert statement.counts == {"lines": 1, "posted": 1, "duplicates": 0, "unmatched": 0, "errors": 0}
    line = statement.lines.get()
    assert (line.status, line.loan, line.line_number) == ("posted", loan, 2)
    repayment = line.repayment
    assert (repayment.amount, repayment.value_date, repayment.channel) == (
        first.payment,
        first.due_date,
        "statement",
    )
    assert repayment.external_id == "stmt:txn:TX-1"
    assert repayment.principal == first.principal
    assert repayment.penalty == 0
    assert statement.uploaded_by == officer
    assert_books_balance(loan)


def test_unmatched_lines_and_lines_for_a_closed_loan_go_to_suspense_booked_as_unidentified(officer, loan):
    closed = open_loan(disbursed_on=clock.today() - relativedelta(months=2), fees=[], term=1)
    repayments.repayment_post(
        loan=closed, amount=_first(closed).payment, value_date=_first(closed).due_date, actor=officer
    )
    closed.refresh_from_db()
    assert closed.status == "closed"
    day = clock.today() - dt.timedelta(days=1)
    data = csv_bytes(
        f"{day},100.00,no number here,张明,",
        f"{day},200.00,L99999999,张明,",
        f"{day},300.00,{loan.number} {closed.number},张明,",
        f"{day},400.00,{closed.number},张明,",
    )

    statement = _import(data, officer)

    assert statement.counts == {"lines": 4, "posted": 0, "duplicates": 0, "unmatched": 4, "errors": 0}
    lines = list(statement.lines.order_by("line_number"))
    assert [line.status for line in lines] == ["suspense"] * 4
    assert "no loan number" in lines[0].message
    assert "L99999999" in lines[1].message
    assert "several loans" in lines[2].message
    assert lines[3].loan == closed
    assert "closed" in lines[3].message.lower()
    assert not Repayment.objects.filter(channel="statement").exists()
    # The bank has the money: Dr repayment clearing, Cr unidentified receipts, 1,000.00 in all.
    assert _balance("2400") == D("-1000.00")
    assert JournalEntry.objects.filter(kind="statement_suspense").count() == 4


def test_a_file_imported_again_posts_nothing_twice_and_is_recognised(officer, loan):
    first = _first(loan)
    day = first.due_date
    data = csv_bytes(
        f"{day},{first.payment},{loan.number},张明,",
        f"{day},50.00,{loan.number},张明,",
        f"{day},50.00,{loan.number},张明,",  # the same again: a second, real payment
        f"{day},70.00,unknown,李四,",
        f"{day},abc,{loan.number},张明,",
    )
    once = _import(data, officer)
    postings = Posting.objects.count()

    again = _import(data, officer, name="statement (1).csv")

    assert once.counts == {"lines": 5, "posted": 3, "duplicates": 0, "unmatched": 1, "errors": 1}
    assert again.counts == {"lines": 5, "posted": 0, "duplicates": 4, "unmatched": 0, "errors": 1}
    assert again.same_file_as == once
    assert once.same_file_as is None
    assert Repayment.objects.filter(loan=loan).count() == 3
    assert Posting.objects.count() == postings
    duplicates = again.lines.filter(status="duplicate").order_by("line_number")
    assert [d.duplicate_of.line_number for d in duplicates] == [2, 3, 4, 5]
    assert [d.duplicate_of.statement_import_id for d in duplicates] == [once.pk] * 4


def test_the_same_payment_in_an_overlapping_statement_of_another_layout_is_a_duplicate(officer, loan):
    first = _first(loan)
    _import(csv_bytes(f"{first.due_date},{first.payment},{loan.number},张明,"), officer)
    # The month's statement, with Chinese headers in another order, holds the same payment and a new one.
    header = "流水号,交易日期,对方户名,金额,附言"
    later = first.due_date + dt.timedelta(days=1)
    month = csv_bytes(
        f",{first.due_date},张明,{first.payment},{loan.number}",
        f",{later},张明,10.00,{loan.number}",
        header=header,
    )

    statement = _import(month, officer)

    assert [line.status for line in statement.lines.order_by("line_number")] == ["duplicate", "posted"]
    assert Repayment.objects.filter(loan=loan).count() == 2


def test_transaction_ids_key_the_lines_when_the_bank_gives_them(officer, loan):
    day = _first(loan).due_date
    # Two equal transfers with their own ids are two payments; an id seen before is one.
    _import(csv_bytes(f"{day},10.00,{loan.number},A,T1", f"{day},10.00,{loan.number},A,T2"), officer)
    statement = _import(csv_bytes(f"{day},10.00,{loan.number} again,A,T2"), officer)

    assert Repayment.objects.filter(loan=loan).count() == 2
    assert statement.lines.get().status == "duplicate"


def test_chinese_headers_in_gb18030_with_a_preamble_are_read(officer, loan):
    first = _first(loan)
    text = (
        "账号：6222021234567890123,户名：示例消费金融有限公司\n"
        "\n"
        "交易日期,金额,摘要,附言,对方户名,流水号\n"
        f'{first.due_date:%Y年%m月%d日},"¥{first.payment:,}",网银转账,还款{loan.number},张明,20260315001\n'
    )

    statement = _import(text.encode("gb18030"), officer)

    assert statement.encoding == "gb18030"
    line = statement.lines.get()
    assert (line.status, line.line_number, line.amount) == ("posted", 4, first.payment)
    assert line.reference == f"网银转账 还款{loan.number}"
    assert line.transaction_id == "20260315001"


def test_utf8_with_a_byte_order_mark_and_tabs_is_read(officer, loan):
    day = _first(loan).due_date
    data = "\ufeff" + f"交易日期\t金额\t附言\n{day}\t12.34\t{loan.number}\n"

    statement = _import(data.encode("utf-8"), officer)

    assert statement.encoding == "utf-8-sig"
    assert statement.lines.get().status == "posted"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{day},abc,{number},A,", "not a number"),
        ("{day},-100.00,{number},A,", "negative"),
        ("{day},(100.00),{number},A,", "negative"),
        ("{day},0.00,{number},A,", "zero"),
        ("{day},10.005,{number},A,", "two decimal places"),
        ("{day},1.5E+3,{number},A,", "not a number"),
        ("{day},,{number},A,", "no amount"),
        ("15/03/2026,10.00,{number},A,", "not a date"),
        ("2026-02-30,10.00,{number},A,", "not a date"),
        ("{day},10.00,{number},A,,extra", "cells"),
        ("{future},10.00,{number},A,", "business date"),
        ("{day},99999999999.00,{number},A,", "too large"),
    ],
)
def test_a_bad_line_is_an_error_with_its_reason_and_the_rest_of_the_file_imports(officer, loan, row, message):
    day = _first(loan).due_date
    future = clock.today() + dt.timedelta(days=1)
    bad = row.format(day=day, number=loan.number, future=future)
    data = csv_bytes(f"{day},10.00,{loan.number},A,", bad, f"{day},20.00,{loan.number},B,")

    statement = _import(data, officer)

    assert statement.counts == {"lines": 3, "posted": 2, "duplicates": 0, "unmatched": 0, "errors": 1}
    error = statement.lines.get(status="error")
    assert error.line_number == 3
    assert message in error.message
    assert error.external_id == ""
    assert error.repayment is None


def test_an_error_line_claims_nothing_so_a_later_import_posts_it(officer, loan):
    tomorrow = clock.today() + dt.timedelta(days=1)
    data = csv_bytes(f"{tomorrow},10.00,{loan.number},A,")
    assert _import(data, officer).errors == 1

    with time_machine.travel(dt.datetime.combine(tomorrow, dt.time(12)), tick=False):
        again = _import(data, officer)

    assert again.counts["posted"] == 1
    assert again.same_file_as is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"nothing,like,a,header\n1,2,3,4\n", "No header row"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
        (b"", "No header row"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_recorded(officer, data, message):
    with pytest.raises(Invalid) as caught:
        _import(data, officer)
    assert message in caught.value.errors["file"][0]
    assert not StatementImport.objects.exists()


@pytest.mark.parametrize("role", [roles.CUSTOMER, roles.AUDITOR])
def test_customers_and_auditors_cannot_import(loan, role):
    user = CustomerFactory(user__username="payer").user if role == roles.CUSTOMER else None
    user = user or UserFactory(username="audit-s", role=roles.AUDITOR)
    data = csv_bytes(f"{_first(loan).due_date},10.00,{loan.number},A,")

    with pytest.raises(Forbidden):
        _import(data, user)

    assert not StatementImport.objects.exists()
    assert not Repayment.objects.exists()


def _suspense_line(officer, loan, amount="250.00") -> StatementLine:
    day = _first(loan).due_date
    statement = _import(csv_bytes(f"{day},{amount},for my loan,张明,S-1"), officer)
    return statement.lines.get(status="suspense")


def test_a_suspense_line_assigned_to_a_loan_is_posted_once(officer, loan):
    line = _suspense_line(officer, loan)

    resolved = statements.suspense_assign(line=line, loan=loan.number.lower(), actor=officer, note="phoned")

    assert (resolved.status, resolved.resolution, resolved.loan) == ("resolved", "assigned", loan)
    assert resolved.resolved_by == officer
    assert resolved.resolution_note == "phoned"
    repayment = resolved.repayment
    assert (repayment.amount, repayment.value_date, repayment.external_id) == (
        D("250.00"),
        line.value_date,
        "stmt:txn:S-1",
    )
    assert _balance("2400") == 0
    event = resolved.events.get()
    assert (event.from_state, event.to_state, event.actor) == ("suspense", "resolved", officer)
    assert event.payload["loan"] == loan.number
    postings = Posting.objects.count()
    with pytest.raises(Conflict):
        statements.suspense_assign(line=line, loan=loan, actor=officer)
    with pytest.raises(Conflict):
        statements.suspense_return(line=line, reason="no", actor=officer)
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert Posting.objects.count() == postings
    # A later statement with the same transfer is a duplicate of the resolved line.
    again = _import(csv_bytes(f"{line.value_date},250.00,for my loan,张明,S-1"), officer)
    assert again.lines.get().status == "duplicate"
    assert_books_balance(loan)


def test_assigning_to_an_unknown_loan_or_a_refused_date_changes_nothing(officer, loan):
    line = _suspense_line(officer, loan)
    late_loan = open_loan(disbursed_on=clock.today() - dt.timedelta(days=2), fees=[])
    postings = Posting.objects.count()

    with pytest.raises(Invalid) as unknown:
        statements.suspense_assign(line=line, loan="L12345678", actor=officer)
    with pytest.raises(Invalid) as before_start:
        statements.suspense_assign(line=line, loan=late_loan, actor=officer)

    assert "loan" in unknown.value.errors
    assert "value_date" in before_start.value.errors
    line.refresh_from_db()
    assert line.status == "suspense"
    assert line.repayment is None
    assert Posting.objects.count() == postings


def test_a_suspense_line_returned_to_the_payer_is_recorded_with_its_reason(officer, loan):
    line = _suspense_line(officer, loan)
    with pytest.raises(Invalid):
        statements.suspense_return(line=line, reason="  ", actor=officer)

    returned = statements.suspense_return(line=line, reason="not our customer", actor=officer)

    assert (returned.status, returned.resolution, returned.resolution_note) == (
        "resolved",
        "returned",
        "not our customer",
    )
    assert returned.repayment is None
    assert _balance("2400") == 0
    assert _balance("1010") == 0
    assert returned.events.get().reason == "not our customer"


def test_an_auditor_cannot_resolve_suspense(officer, loan):
    line = _suspense_line(officer, loan)
    auditor = UserFactory(username="audit-r", role=roles.AUDITOR)
    with pytest.raises(Forbidden):
        statements.suspense_assign(line=line, loan=loan, actor=auditor)
    with pytest.raises(Forbidden):
        statements.suspense_return(line=line, reason="x", actor=auditor)
    line.refresh_from_db()
    assert line.status == "suspense"


def test_the_payer_is_stored_masked_and_never_logged(officer, loan, caplog):
    day = _first(loan).due_date
    data = csv_bytes(f"{day},10.00,{loan.number} 电话13812345678,张明 6222021234567890123,")
    with caplog.at_level(logging.DEBUG):
        line = _import(data, officer).lines.get()
    assert line.counterparty == "张* ****0123"
    assert "13812345678" not in line.reference
    assert "138****5678" in line.reference
    assert "张明" not in caplog.text
    assert "6222021234567890123" not in caplog.text
