"""Customer pages of the application journey: apply, follow, accept the offer.

Server-rendered and usable without JavaScript: the status page refreshes itself (a meta
refresh) while the application is being scored. Every page checks on the server that the
application belongs to the signed-in customer (anyone else gets 404); every change goes through
`applications.services`, whose field errors are shown next to the fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applications import selectors, services
from applications.forms import AcceptOfferForm, ReviewRequestForm
from applications.models import State
from products import selectors as product_selectors
from products.models import Product

IN_PROGRESS = (State.SUBMITTED, State.SCORING, State.SCORED)


def _version_or_404(code: str):
    try:
        return product_selectors.product_get_offered(code=code)
    except (Product.DoesNotExist, product_selectors.ProductNotOffered):
        raise Http404(code) from None


def _own_application(request, pk: int):
    try:
        return selectors.application_get_for(user=request.user, application_id=pk)
    except (services.ApplicationNotFound, services.ApplicationPermissionError):
        raise Http404 from None


@login_required
def apply(request):
    """The old one-page application form's address (links, bookmarks, the catalogue's Apply
    buttons): it continues in the wizard, with the same query (product, amount, term, campaign)."""
    target = reverse("applications:wizard-start")
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target)


@login_required
def application_list(request):
    applications = selectors.application_list_for(user=request.user).select_related("product_version")[:100]
    return render(request, "applications/list.html", {"applications": applications})


@login_required
def application_detail(request, pk: int):
    return _render_detail(request, _own_application(request, pk))


def _render_detail(request, application, *, review_form: ReviewRequestForm | None = None):
    actions = selectors.application_allowed_actions(application=application, user=request.user)
    context = {
        "application": application,
        "decision": selectors.application_decision_summary(application=application, language=get_language()),
        "events": _timeline(application),
        "actions": actions,
        "refresh": application.state in IN_PROGRESS,
        "loan": _loan_for(application),
        "review": selectors.application_review_summary(application=application),
        "business_rating": selectors.application_business_rating_summary(
            application=application, language=get_language()
        ),
        "review_form": review_form or (ReviewRequestForm() if "request-review" in actions else None),
    }
    return render(request, "applications/detail.html", context, status=400 if review_form else 200)


@login_required
@require_POST
def request_review(request, pk: int):
    """The status page's form: ask a person to review an automated decline."""
    application = _own_application(request, pk)
    try:
        services.review_check_requester(application=application, actor=request.user)
    except services.ApplicationPermissionError:
        raise Http404 from None  # staff may look at the page; only the customer asks
    form = ReviewRequestForm(request.POST)
    if form.is_valid():
        try:
            services.application_request_review(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ApplicationValidationError as exc:
            for message in sum(exc.errors.values(), []):
                form.add_error("reason", message)
        except services.ApplicationStateError as exc:
            messages.error(request, str(exc))
            return redirect("applications:detail", pk=pk)
        except services.ApplicationPermissionError:
            raise Http404 from None  # staff may look at the page; only the customer asks
        else:
            messages.success(
                request, _("Your request was sent. An officer will review the decision and tell you here.")
            )
            return redirect("applications:detail", pk=pk)
    return _render_detail(request, application, review_form=form)


def _timeline(application):
    """The customer's timeline: each step's state in words; officers' and risk's notes are internal."""
    labels = dict(State.choices)
    events = list(selectors.application_events(application=application))
    for event in events:
        event.state_label = labels.get(event.to_state, event.to_state)
    return events


def _loan_for(application):
    if application.state != State.DISBURSED:
        return None
    from servicing.selectors import loan_for_origin

    return loan_for_origin(str(application))


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, pk: int):
    application = _own_application(request, pk)
    if application.state != State.APPROVED or not application.offer:
        return redirect("applications:detail", pk=pk)
    form = AcceptOfferForm(request.POST or None, initial={"digest": application.offer.get("digest")})
    if request.method == "POST" and form.is_valid():
        consents = {"disclosure": True, "credit_contract": True}
        try:
            services.application_accept_offer(
                application=application,
                actor=request.user,
                consents=consents,
                offer_digest=form.cleaned_data["digest"],
                redeem_points=form.cleaned_data.get("redeem_points") or 0,
            )
        except services.ApplicationValidationError as exc:
            for message in sum(exc.errors.values(), []):
                form.add_error(None, message)
        except services.ApplicationStateError as exc:
            messages.error(request, str(exc))
            return redirect("applications:detail", pk=pk)
        except services.ApplicationPermissionError:
            raise Http404 from None  # staff may look at the offer; only the customer accepts it
        else:
            messages.success(request, _("You accepted the offer. We will disburse the loan shortly."))
            return redirect("applications:detail", pk=pk)
    return render(
        request,
        "applications/offer.html",
        {"application": application, "offer": application.offer, "form": form},
    )


CUSTOMER_ACTIONS = {
    "withdraw": services.application_withdraw,
    "decline-offer": services.application_decline_offer,
}


@login_required
@require_POST
def customer_action(request, pk: int, action: str):
    application = _own_application(request, pk)
    service = CUSTOMER_ACTIONS.get(action)
    if service is None:
        raise Http404(action)
    try:
        service(application=application, actor=request.user, reason=request.POST.get("reason", "")[:500])
    except services.ApplicationStateError as exc:
        messages.error(request, str(exc))
    except services.ApplicationPermissionError:
        raise Http404 from None
    else:
        messages.success(request, _("Done."))
    return redirect("applications:detail", pk=pk)
