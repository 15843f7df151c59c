"""Bank statements in the console and on the command line: the upload page (officers only), the
lists with the suspense queue, assign/return forms through the services, and `import_repayments`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from loanhub import clock, roles
from servicing.models import Repayment, StatementImport, StatementLine
from tests.products.factories import UserFactory
from tests.servicing.factories import open_loan
from tests.servicing.test_statements import csv_bytes

pytestmark = pytest.mark.django_db
IMPORTS = "/admin/servicing/statementimport/"
LINES = "/admin/servicing/statementline/"


@pytest.fixture
def officer():
    return UserFactory(username="officer-a", role=roles.LOAN_OFFICER)


@pytest.fixture
def auditor():
    return UserFactory(username="auditor-a", role=roles.AUDITOR)


@pytest.fixture
def loan():
    return open_loan(disbursed_on=clock.today() - relativedelta(months=1) - dt.timedelta(days=3), fees=[])


def _statement(loan) -> bytes:
    day = loan.installments.get(number=1).due_date
    return csv_bytes(f"{day},100.00,{loan.number},张明,T-1", f"{day},55.00,no number,李四,T-2")


def _upload(client, data: bytes, name="bank.csv"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(f"{IMPORTS}add/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")


def test_an_officer_uploads_a_statement_and_sees_its_counts(client, officer, loan):
    client.force_login(officer)
    page = client.get(IMPORTS, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = _upload(client, _statement(loan))

    statement = StatementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{IMPORTS}{statement.pk}/change/"
    assert statement.counts == {"lines": 2, "posted": 1, "duplicates": 0, "unmatched": 1, "errors": 0}
    assert statement.file_name == "bank.csv"
    assert statement.uploaded_by == officer
    shown = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 posted, 0 duplicates, 1 in suspense, 0 errors" in shown  # the message after the upload
    assert statement.sha256 in shown
    assert "1 line in the suspense queue" in client.get(IMPORTS, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_unreadable_file_is_a_form_error_not_a_500(client, officer):
    client.force_login(officer)
    response = _upload(client, b"\x00\x01\x02", name="book.xlsx")
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not StatementImport.objects.exists()


def test_an_auditor_reads_the_lists_but_cannot_upload_or_resolve(client, auditor, officer, loan):
    client.force_login(officer)
    _upload(client, _statement(loan))
    line = StatementLine.objects.get(status="suspense")
    client.force_login(auditor)

    assert client.get(IMPORTS).status_code == 200
    listing = client.get(LINES, {"status__exact": "suspense"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [line]
    assert "resolve_links" not in listing.context["cl"].list_display
    assert client.get(f"{IMPORTS}add/").status_code == 403
    assert _upload(client, _statement(loan)).status_code == 403
    resolve = f"{LINES}{line.pk}/resolve/return/"
    assert client.post(resolve, {"note": "x"}).status_code == 403
    line.refresh_from_db()
    assert line.status == "suspense"
    assert StatementImport.objects.count() == 1


def test_the_suspense_queue_lists_lines_to_resolve_and_searches_by_loan(client, officer, loan):
    client.force_login(officer)
    _upload(client, _statement(loan))
    posted = StatementLine.objects.get(status="posted")
    suspense = StatementLine.objects.get(status="suspense")

    queue = client.get(LINES, {"status__exact": "suspense"}, HTTP_ACCEPT_LANGUAGE="en")
    by_loan = client.get(LINES, {"q": loan.number.lower()})
    by_import = client.get(LINES, {"statement_import__id__exact": posted.statement_import_id})

    assert list(queue.context["cl"].queryset) == [suspense]
    assert f"{suspense.pk}/resolve/assign/" in queue.content.decode()
    assert list(by_loan.context["cl"].queryset) == [posted]
    assert set(by_import.context["cl"].queryset) == {posted, suspense}


def test_an_officer_assigns_a_suspense_line_to_a_loan_once(client, officer, loan):
    client.force_login(officer)
    _upload(client, _statement(loan))
    line = StatementLine.objects.get(status="suspense")
    url = f"{LINES}{line.pk}/resolve/assign/"
    assert client.get(f"{LINES}{line.pk}/change/").status_code == 200
    assert client.get(url).status_code == 200

    unknown = client.post(url, {"loan": "L99999999"})
    done = client.post(url, {"loan": loan.number, "note": "customer called"})
    again = client.post(url, {"loan": loan.number})

    assert unknown.status_code == 400
    assert done.status_code == 302
    assert again.status_code == 302  # a message says it is no longer in suspense
    line.refresh_from_db()
    assert (line.status, line.resolution, line.loan) == ("resolved", "assigned", loan)
    assert Repayment.objects.filter(loan=loan, amount="55.00").count() == 1


def test_an_officer_returns_a_suspense_line_with_a_reason(client, officer, loan):
    client.force_login(officer)
    _upload(client, _statement(loan))
    line = StatementLine.objects.get(status="suspense")
    url = f"{LINES}{line.pk}/resolve/return/"

    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "sent back to 李四"}).status_code == 302

    line.refresh_from_db()
    assert (line.status, line.resolution, line.resolution_note) == (
        "resolved",
        "returned",
        "sent back to 李四",
    )


def test_the_command_imports_a_file_and_reports_counts_and_problem_lines(tmp_path, officer, loan):
    path = tmp_path / "bank.csv"
    path.write_bytes(_statement(loan) + b"not-a-date,1.00,x,y,T-3\n")
    out = StringIO()

    call_command("import_repayments", str(path), "--user", officer.username, stdout=out)
    again = StringIO()
    call_command("import_repayments", str(path), stdout=again)

    text = out.getvalue()
    assert "lines 3, posted 1, duplicates 0, unmatched 1, errors 1" in text
    assert "line 3: suspense:" in text
    assert "line 4: error:" in text
    assert "张明" not in text
    assert "李四" not in text
    assert "lines 3, posted 0, duplicates 2, unmatched 0, errors 1" in again.getvalue()
    assert "same file as" in again.getvalue()
    assert StatementImport.objects.first().uploaded_by is None  # the second run: the system
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_the_command_refuses_unknown_users_users_without_the_right_and_unreadable_files(tmp_path, loan):
    path = tmp_path / "bank.csv"
    path.write_bytes(_statement(loan))
    UserFactory(username="auditor-c", role=roles.AUDITOR)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n")

    with pytest.raises(CommandError, match="no user"):
        call_command("import_repayments", str(path), "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("import_repayments", str(path), "--user", "auditor-c")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_repayments", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_repayments", str(bad))
    assert not StatementImport.objects.exists()
