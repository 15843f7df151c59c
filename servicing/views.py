"""Customer loan pages: my loans, and one loan with what is due, the overdue installments and
their penalty interest in plain words, the payoff amount, the schedule with what was paid, the
repayments with their allocation, and a pay-now form.

Server-rendered, no JavaScript. The portal shows a user the loans of their own customer profile
only (staff read other customers' loans in the admin console); any other loan is a 404. Paying
goes through `servicing.payments` (the configured payment backend, then the repayment); a
refused amount shows the loan page again with the message on the field and the amount typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanhub.errors import Conflict, Invalid, NotFound
from loanhub.formatting import percent_text
from servicing import charts, limits, lines, payments, prepayments, rate_resets, selectors
from servicing.choices import PrepaymentModes, RepaymentChannel
from servicing.forms import PayNowForm, PrepayForm, add_service_errors, new_payment_key
from servicing.models import Loan
from servicing.overview import loan_overview


@require_GET
@login_required
def loan_list(request):
    page = Paginator(selectors.loans_of_user(request.user), 20).get_page(request.GET.get("page"))
    rows = [{"loan": loan, "apr": percent_text(loan.apr)} for loan in page.object_list]
    credit_lines = lines.credit_lines_of_user(request.user)[:20]
    offers = list(limits.limit_offers_of_user(request.user)[:10])
    for offer in offers:
        offer.apply_url = limits.limit_offer_apply_url(offer)
    context = {"page": page, "rows": rows, "credit_lines": credit_lines, "offers": offers}
    return render(request, "servicing/loan_list.html", context)


def _own_loan(request, loan_id: int) -> Loan:
    try:
        return selectors.loan_get_of_user(loan_id=loan_id, user=request.user)
    except Loan.DoesNotExist:
        raise Http404 from None


def _loan_page(request, loan: Loan, form: PayNowForm | None = None):
    overview = loan_overview(loan)
    if form is None and overview.active:
        form = PayNowForm(initial={"amount": overview.suggested_payment, "key": new_payment_key()})
    context = {
        "loan": loan,
        "overview": overview,
        "form": form,
        "installments": overview.schedule,
        "schedule_chart": charts.paid_chart(overview.schedule),
        "apr": percent_text(loan.apr),
        "annual_rate": percent_text(loan.annual_rate),
        "effective_annual_rate": percent_text(loan.effective_annual_rate),
        "penalty_rate": percent_text(loan.penalty_rate),
        "floating": rate_resets.floating_summary(loan),
        "total_cost": loan.total_interest + loan.total_fees,
    }
    return render(request, "servicing/loan_detail.html", context)


@require_GET
@login_required
def loan_detail(request, loan_id: int):
    return _loan_page(request, _own_loan(request, loan_id))


@require_POST
@login_required
def loan_pay(request, loan_id: int):
    loan = _own_loan(request, loan_id)
    form = PayNowForm(request.POST)
    if form.is_valid():
        try:
            repayment = payments.repayment_pay_online(
                loan=loan,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                key=form.cleaned_data["key"],
            )
        except Invalid as exc:
            add_service_errors(form, exc)
        except NotFound:
            raise Http404 from None
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Thank you: your payment of %(amount)s was received on %(date)s.")
                % {"amount": f"{repayment.amount:,.2f}", "date": repayment.value_date.isoformat()},
            )
            return redirect("loans:detail", loan_id=loan.pk)
    # A fresh key for the next attempt; the amount stays as typed.
    data = form.data.copy()
    data["key"] = new_payment_key()
    form.data = data
    loan = _own_loan(request, loan_id)
    return _loan_page(request, loan, form)


@login_required
def loan_prepay(request, loan_id: int):
    """Prepay or settle early in two steps: the quote (fee, interest saved, new schedule) and,
    once confirmed, the posting of exactly the amount quoted (a changed quote is shown again)."""
    loan = _own_loan(request, loan_id)
    terms = prepayments.PrepaymentTerms.of(loan)
    quote = None
    if request.method == "POST":
        form = PrepayForm(request.POST)
    else:
        form = PrepayForm(initial={"key": new_payment_key(), "mode": terms.default_mode})
    if terms.modes != PrepaymentModes.BOTH:
        form.fields["mode"].choices = [c for c in form.fields["mode"].choices if c[0] == terms.modes]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quote = prepayments.prepayment_quote(loan=loan, amount=data["amount"], mode=data["mode"] or None)
            if data["confirm"] and data["shown_total"] == quote["total"]:
                change = prepayments.prepayment_post(
                    loan=loan,
                    amount=data["amount"],
                    mode=data["mode"] or None,
                    actor=request.user,
                    idempotency_key=f"portal:{data['key']}",
                    request_hash=f"{data['amount']}|{data['mode']}",
                    channel=RepaymentChannel.PORTAL,
                )
                messages.success(
                    request,
                    _("Thank you: your prepayment of %(amount)s was received on %(date)s.")
                    % {"amount": f"{change.amount:,.2f}", "date": change.quote["value_date"]},
                )
                return redirect("loans:detail", loan_id=loan.pk)
            if data["confirm"]:
                messages.warning(
                    request, _("The quote has changed since it was shown: please check it again.")
                )
        except Invalid as exc:
            add_service_errors(form, exc)
            quote = None
        except NotFound:
            raise Http404 from None
        except Conflict as exc:
            form.add_error(None, str(exc))
            quote = None
    return render(
        request,
        "servicing/loan_prepay.html",
        {
            "loan": loan,
            "form": form,
            "quote": quote,
            "active": loan.status == "active",
            "terms": terms,
        },
    )
