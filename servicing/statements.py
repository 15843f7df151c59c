"""Bank statement import: each line posted to the loan its reference names, or queued in suspense.

`import_statement` reads the file (`servicing.statement_csv`: the format and the line keys),
then, in one transaction, decides every line:

- **error**: the row cannot be read (no date, a bad or negative amount, …) or its value date is
  after servicing's open business date; nothing is posted, and the line claims nothing, so a
  corrected file (or the same one after close of business) imports it.
- **duplicate**: money with the same key was imported before (by an earlier line, whatever its
  fate, or a repayment from another channel): nothing is posted.
- **posted**: the reference names exactly one loan number (`L` + 8 digits, in any case, not part
  of a longer word or number) and that loan is active: `repayment_post` with the line's key.
- **suspense**: no loan number, several, an unknown one, a loan that is not active, or a value
  date the loan refuses. The money is booked to unidentified receipts (Dr repayment clearing,
  Cr 2400) until an officer resolves the line: `suspense_assign` posts it to a loan (the
  suspense is released first), `suspense_return` records that it was sent back to the payer.

The same file imported twice is recognised (`StatementImport.same_file_as`, by SHA-256) and,
its lines being keyed, posts nothing twice. One transaction per file: a failure leaves no trace,
and the file can simply be imported again.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.masking import mask_counterparty, mask_text
from loanhub import clock
from loanhub.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import run_transition
from servicing import ledger
from servicing.calendar import open_business_date
from servicing.choices import (
    Account,
    EntryKind,
    LoanStatus,
    RepaymentChannel,
    StatementLineStatus,
    StatementResolution,
)
from servicing.models import Loan, Repayment, StatementImport, StatementLine
from servicing.models.statements import CLAIMING_STATUSES
from servicing.repayments import repayment_post
from servicing.statement_csv import ParsedLine, clean_text, loan_numbers, parse_statement

__all__ = ("import_statement", "suspense_assign", "suspense_return")

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")
IMPORT_PERMISSION = "servicing.add_repayment"


def _require_importer(actor) -> None:
    if actor is not None and not may(actor, IMPORT_PERMISSION):
        raise Forbidden(_("You may not import bank statements."))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _book_suspense(line: StatementLine, *, step: str, actor) -> None:
    """Unidentified receipts: in (Dr clearing, Cr 2400) or out again (released to a loan or
    returned to the payer: Dr 2400, Cr clearing)."""
    amount = line.amount
    if step == "received":
        lines = [(Account.REPAYMENT_CLEARING, amount, ZERO), (Account.UNIDENTIFIED_RECEIPTS, ZERO, amount)]
    else:
        lines = [(Account.UNIDENTIFIED_RECEIPTS, amount, ZERO), (Account.REPAYMENT_CLEARING, ZERO, amount)]
    ledger.post(
        kind=EntryKind.STATEMENT_SUSPENSE,
        lines=lines,
        memo=f"Statement line {line}: {step}",
        idempotency_key=f"statement-line:{line.pk}:{step}",
        actor=actor,
    )


def _earlier(key: str) -> tuple[StatementLine | None, Repayment | None]:
    line = (
        StatementLine.objects.filter(external_id=key, status__in=CLAIMING_STATUSES)
        .select_related("repayment")
        .first()
    )
    repayment = Repayment.objects.filter(external_id=key).first()
    return line, repayment or (line.repayment if line else None)


def _match(reference: str) -> tuple[Loan | None, str]:
    """The loan a reference names, or None and why not."""
    numbers = loan_numbers(reference)
    if not numbers:
        return None, _("The reference names no loan number (L and 8 digits).")
    if len(numbers) > 1:
        return None, _("The reference names several loans: %(numbers)s.") % {"numbers": ", ".join(numbers)}
    loan = Loan.objects.filter(number=numbers[0]).first()
    if loan is None:
        return None, _("There is no loan %(number)s.") % {"number": numbers[0]}
    return loan, ""


def _duplicate(fields: dict, earlier: StatementLine | None, repayment: Repayment | None) -> StatementLine:
    if earlier is not None:
        message = _("Already imported as line %(line)s.") % {"line": earlier}
    else:
        message = _("Already posted as repayment %(repayment)s.") % {"repayment": repayment}
    return StatementLine.objects.create(
        **{**fields, "status": StatementLineStatus.DUPLICATE, "message": message},
        duplicate_of=earlier,
        repayment=repayment,
        loan_id=repayment.loan_id if repayment else (earlier.loan_id if earlier else None),
    )


def _import_line(statement: StatementImport, parsed: ParsedLine, *, actor, today) -> StatementLine:
    fields = {
        "statement_import": statement,
        "line_number": parsed.line_number,
        "value_date": parsed.value_date,
        "amount": parsed.amount,
        "reference": mask_text(parsed.reference)[:255],
        "counterparty": mask_counterparty(parsed.counterparty)[:100],
        "transaction_id": parsed.transaction_id,
    }
    if parsed.error:
        return StatementLine.objects.create(
            **fields, status=StatementLineStatus.ERROR, message=parsed.error[:255]
        )
    if parsed.value_date > today:
        message = _(
            "The value date is after servicing's business date %(today)s: import the file again "
            "after close of business."
        ) % {"today": today}
        return StatementLine.objects.create(**fields, status=StatementLineStatus.ERROR, message=message)
    fields["external_id"] = parsed.external_id
    earlier, repayment = _earlier(parsed.external_id)
    if earlier is not None or repayment is not None:
        return _duplicate(fields, earlier, repayment)

    loan, why = _match(parsed.reference)
    if loan is not None and loan.status != LoanStatus.ACTIVE:
        why = _("Loan %(loan)s is %(status)s: it takes no more payments.") % {
            "loan": loan,
            "status": loan.get_status_display(),
        }
    elif loan is not None:
        try:
            # The repayment and the line that claims its key stand or fall together: a concurrent
            # import that claimed the key first makes this line a duplicate and posts nothing.
            with transaction.atomic():
                repayment = repayment_post(
                    loan=loan,
                    amount=parsed.amount,
                    actor=actor,
                    value_date=parsed.value_date,
                    reference=fields["reference"],
                    channel=RepaymentChannel.STATEMENT,
                    external_id=parsed.external_id,
                )
                return StatementLine.objects.create(
                    **fields, status=StatementLineStatus.POSTED, loan=loan, repayment=repayment
                )
        except (Invalid, Conflict) as exc:
            why = _error_text(exc)
        except IntegrityError:
            earlier, repayment = _earlier(parsed.external_id)
            if earlier is None and repayment is None:
                raise
            return _duplicate(fields, earlier, repayment)
    try:
        with transaction.atomic():
            line = StatementLine.objects.create(
                **fields, status=StatementLineStatus.SUSPENSE, message=why[:255], loan=loan
            )
            _book_suspense(line, step="received", actor=actor)
            return line
    except IntegrityError:
        earlier, repayment = _earlier(parsed.external_id)
        if earlier is None and repayment is None:
            raise
        return _duplicate(fields, earlier, repayment)


def _error_text(exc: DomainError) -> str:
    if exc.errors:
        return " ".join(str(m) for messages in exc.errors.values() for m in messages)
    return str(exc.message or exc)


def import_statement(*, data: bytes, file_name: str, actor) -> StatementImport:
    """Import a bank-statement CSV file (see the module and `servicing.statement_csv`).

    Forbidden without `servicing.add_repayment` (`actor=None` is the system: the management
    command without `--user`); Invalid (field `file`) when the file cannot be read at all, and
    then nothing is recorded. Returns the import with its counts.
    """
    _require_importer(actor)
    parsed = parse_statement(data)
    digest = hashlib.sha256(data).hexdigest()
    counts = dict.fromkeys(StatementLineStatus.values, 0)
    with transaction.atomic():
        today = open_business_date()
        statement = StatementImport.objects.create(
            file_name=clean_text(file_name)[:255] or "statement.csv",
            sha256=digest,
            encoding=parsed.encoding,
            same_file_as=StatementImport.objects.filter(sha256=digest).order_by("id").first(),
            uploaded_by=_user(actor),
            uploaded_at=clock.now(),
        )
        for line in parsed.lines:
            counts[_import_line(statement, line, actor=actor, today=today).status] += 1
        statement.line_count = len(parsed.lines)
        statement.posted = counts[StatementLineStatus.POSTED]
        statement.duplicates = counts[StatementLineStatus.DUPLICATE]
        statement.unmatched = counts[StatementLineStatus.SUSPENSE]
        statement.errors = counts[StatementLineStatus.ERROR]
        statement.save(update_fields=["line_count", "posted", "duplicates", "unmatched", "errors"])
    # No payer or reference in the log: they are personal data.
    logger.info("statement %s imported: %s", statement, statement.counts)
    return statement


def _loan_for(loan: Loan | str) -> Loan:
    if isinstance(loan, Loan):
        return loan
    numbers = loan_numbers(loan or "")
    found = Loan.objects.filter(number=numbers[0]).first() if len(numbers) == 1 else None
    if found is None:
        raise Invalid({"loan": [_("There is no loan %(number)s.") % {"number": clean_text(loan or "")[:20]}]})
    return found


def _resolved(locked: StatementLine, *, resolution: str, note: str, actor) -> None:
    locked.resolution = resolution
    locked.resolution_note = note[:255]
    locked.resolved_at = clock.now()
    locked.resolved_by = _user(actor)


RESOLUTION_FIELDS = ("resolution", "resolution_note", "resolved_at", "resolved_by")


def _line_pk(line: StatementLine | int) -> int:
    return line if isinstance(line, int) else line.pk


def suspense_assign(*, line: StatementLine | int, loan: Loan | str, actor, note: str = "") -> StatementLine:
    """Post a suspense line to a loan (a `Loan` or its number) once; the suspense is released.

    Conflict when the line is not in suspense (resolved already) or its money was posted by
    another channel meanwhile; Invalid for an unknown loan or a value date the loan refuses;
    Forbidden without the permissions to change statement lines and record repayments.
    """
    _require_importer(actor)
    target = _loan_for(loan)

    def before(locked: StatementLine) -> dict:
        posted = Repayment.objects.filter(external_id=locked.external_id).first()
        if posted is not None:
            raise Conflict(
                _("This money was already posted as repayment %(repayment)s.") % {"repayment": posted},
                state=locked.status,
            )
        _book_suspense(locked, step="released", actor=actor)
        repayment = repayment_post(
            loan=target,
            amount=locked.amount,
            actor=actor,
            value_date=locked.value_date,
            reference=locked.reference,
            channel=RepaymentChannel.STATEMENT,
            external_id=locked.external_id,
        )
        locked.loan = target
        locked.repayment = repayment
        _resolved(locked, resolution=StatementResolution.ASSIGNED, note=note, actor=actor)
        return {"loan": target.number, "repayment": repayment.pk, "amount": locked.amount}

    try:
        return run_transition(
            _line_pk(line),
            "assign",
            model=StatementLine,
            actor=actor,
            reason=note or coded("svc.assigned_to_loan", loan=target),
            before=before,
            fields=(*RESOLUTION_FIELDS, "loan", "repayment"),
            conflict=_not_in_suspense,
        )
    except StatementLine.DoesNotExist:
        raise NotFound(_("No such statement line.")) from None


def suspense_return(*, line: StatementLine | int, reason: str, actor) -> StatementLine:
    """Record that a suspense line's money was sent back to the payer (a reason is required)."""
    _require_importer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": [_("Say why the money is returned.")]})

    def before(locked: StatementLine) -> dict:
        _book_suspense(locked, step="returned", actor=actor)
        _resolved(locked, resolution=StatementResolution.RETURNED, note=reason, actor=actor)
        return {"amount": locked.amount}

    try:
        return run_transition(
            _line_pk(line),
            "return_to_payer",
            model=StatementLine,
            actor=actor,
            reason=reason,
            before=before,
            fields=RESOLUTION_FIELDS,
            conflict=_not_in_suspense,
        )
    except StatementLine.DoesNotExist:
        raise NotFound(_("No such statement line.")) from None


def _not_in_suspense(locked: StatementLine, name: str) -> Conflict:
    return Conflict(
        _("Line %(line)s is %(status)s, not in suspense.")
        % {"line": locked, "status": locked.get_status_display()},
        state=locked.status,
    )
