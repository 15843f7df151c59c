"""`manage.py import_repayments FILE [--user USERNAME]`: import a bank-statement CSV file.

Each line is posted to the loan its reference names, or kept in suspense for an officer (admin:
Bank statement lines); a file imported again posts nothing twice. The format is described in
`servicing.statement_csv` and the README. Prints the counts and, for each line in error or in
suspense, its line number and why (never the payer).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from loanhub.errors import DomainError
from servicing import statements
from servicing.choices import StatementLineStatus


def _text(exc: DomainError) -> str:
    if exc.errors:
        return " ".join(str(m) for messages in exc.errors.values() for m in messages)
    return str(exc.message or exc)


class Command(BaseCommand):
    help = "Import a bank-statement CSV file as repayments; unmatched lines go to the suspense queue."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file ('-' is not accepted: the file's hash is recorded)")
        parser.add_argument(
            "--user",
            dest="username",
            help="the Loan Officer importing it (default: the system); needs servicing.add_repayment",
        )

    def handle(self, *args, file, username=None, **options):
        actor = None
        if username:
            try:
                actor = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user {username!r}") from None
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
        try:
            statement = statements.import_statement(data=data, file_name=path.name, actor=actor)
        except DomainError as exc:
            raise CommandError(f"{file}: {_text(exc)}") from None
        if statement.same_file_as_id:
            self.stdout.write(f"{path.name}: the same file as import {statement.same_file_as}")
        counts = statement.counts
        self.stdout.write(
            f"{statement} {path.name}: " + ", ".join(f"{name} {number}" for name, number in counts.items())
        )
        for line in statement.lines.filter(
            status__in=(StatementLineStatus.ERROR, StatementLineStatus.SUSPENSE)
        ).order_by("line_number"):
            self.stdout.write(f"  line {line.line_number}: {line.status}: {line.message}")
