"""Customer credit line pages (随借随还): one line with its limit, what is drawn and available,
interest, the minimum due, a draw form and a repay form, the statements and the history.

Server-rendered, no JavaScript. A user sees the lines of their own customer profile only; any
other line is a 404. Both forms post through `servicing.lines`; a refused amount shows the page
again with the message on the field and the amount typed. Each form carries a one-time key, so
a resubmitted form or a double click moves money once.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanhub.errors import Conflict, Invalid, NotFound
from loanhub.formatting import percent_text
from servicing import lines
from servicing.forms import PayNowForm, add_service_errors, new_payment_key
from servicing.models import CreditLine

SESSION_KEYS = "credit_line_form_keys"


def _own_line(request, line_id: int) -> CreditLine:
    try:
        return lines.credit_lines_of_user(request.user).get(pk=line_id)
    except CreditLine.DoesNotExist:
        raise Http404 from None


def _page(request, line: CreditLine, *, draw_form=None, repay_form=None):
    draw_form = draw_form or PayNowForm(prefix="draw", initial={"key": new_payment_key()})
    # An overdue line's minimum is paid after its penalty interest (paid first): offer both.
    to_cure = (line.minimum_due + line.penalty_due) or None
    repay_form = repay_form or PayNowForm(
        prefix="repay", initial={"key": new_payment_key(), "amount": to_cure}
    )
    draw_form.fields["amount"].label = _("Amount to draw (yuan)")
    context = {
        "line": line,
        "annual_rate": percent_text(line.annual_rate),
        "penalty_rate": percent_text(line.penalty_rate),
        "draw_form": draw_form if line.status == "active" else None,
        "repay_form": repay_form if line.status != "closed" and line.payoff_amount > 0 else None,
        "statements": line.statements.order_by("-statement_date")[:12],
        "history": lines.transactions_of_line(line)[:50],
    }
    return render(request, "servicing/credit_line_detail.html", context)


@require_GET
@login_required
def credit_line_detail(request, line_id: int):
    return _page(request, _own_line(request, line_id))


def _move(request, line_id: int, kind: str):
    line = _own_line(request, line_id)
    form = PayNowForm(request.POST, prefix=kind)
    if form.is_valid():
        key = form.cleaned_data["key"]
        used = request.session.get(SESSION_KEYS, [])
        if key in used:  # the same form sent twice: the first one did it
            return redirect("credit-lines:detail", line_id=line.pk)
        service = lines.credit_line_draw if kind == "draw" else lines.credit_line_repay
        try:
            tx = service(line=line, amount=form.cleaned_data["amount"], actor=request.user, channel="portal")
        except Invalid as exc:
            add_service_errors(form, exc)
        except NotFound:
            raise Http404 from None
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SESSION_KEYS] = [*used[-49:], key]
            text = (
                _("You drew %(amount)s on %(date)s.")
                if kind == "draw"
                else _("Thank you: your repayment of %(amount)s was received on %(date)s.")
            )
            messages.success(
                request, text % {"amount": f"{tx.amount:,.2f}", "date": tx.value_date.isoformat()}
            )
            return redirect("credit-lines:detail", line_id=line.pk)
    data = form.data.copy()
    data[f"{kind}-key"] = new_payment_key()
    form.data = data
    line.refresh_from_db()
    forms = {"draw_form": form} if kind == "draw" else {"repay_form": form}
    return _page(request, line, **forms)


@require_POST
@login_required
def credit_line_draw(request, line_id: int):
    return _move(request, line_id, "draw")


@require_POST
@login_required
def credit_line_repay(request, line_id: int):
    return _move(request, line_id, "repay")
