"""Customer loan pages: my loans, and one loan with its summary and full repayment schedule.

Server-rendered, GET only, no JavaScript. The portal shows a user the loans of their own customer
profile only (staff read other customers' loans in the admin console); any other loan is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loanhub.formatting import percent_text
from servicing import selectors
from servicing.models import Loan


@require_GET
@login_required
def loan_list(request):
    page = Paginator(selectors.loans_of_user(request.user), 20).get_page(request.GET.get("page"))
    rows = [{"loan": loan, "apr": percent_text(loan.apr)} for loan in page.object_list]
    return render(request, "servicing/loan_list.html", {"page": page, "rows": rows})


@require_GET
@login_required
def loan_detail(request, loan_id: int):
    try:
        loan = selectors.loan_get_of_user(loan_id=loan_id, user=request.user)
    except Loan.DoesNotExist:
        raise Http404 from None
    installments = list(loan.installments.all())
    context = {
        "loan": loan,
        "installments": installments,
        "apr": percent_text(loan.apr),
        "annual_rate": percent_text(loan.annual_rate),
        "effective_annual_rate": percent_text(loan.effective_annual_rate),
        "total_cost": loan.total_interest + loan.total_fees,
    }
    return render(request, "servicing/loan_detail.html", context)
