"""Customer pages of the application journey: apply, follow, accept the offer.

Server-rendered and usable without JavaScript: the status page refreshes itself (a meta
refresh) while the application is being scored. Every page checks on the server that the
application belongs to the signed-in customer (anyone else gets 404); every change goes through
`applications.services`, whose field errors are shown next to the fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applications import selectors, services
from applications.contract import contract_document
from applications.contract import contract_pdf as render_contract_pdf
from applications.event_reasons import customer_reason_text
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
        "next_step": _next_step(application),
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


def _next_step(application) -> dict | None:
    """What happens next, in plain words, and how long it usually takes (the bank's service
    levels, `selectors.SLA_HOURS`): shown at the top of the status page."""
    state = application.state
    texts = {
        State.DRAFT: _("Finish your application and submit it."),
        State.SUBMITTED: _("We are assessing your application automatically."),
        State.SCORING: _("We are assessing your application automatically."),
        State.SCORED: _("An officer is checking the result of the assessment."),
        State.REFERRED: _(
            "An officer is reviewing your application and may contact you for more information."
        ),
        State.REVIEW_REQUESTED: _("An officer is reviewing the automated decision, as you asked."),
        State.APPROVED: _(
            "Read the offer and the loan contract, then accept or decline the offer before it expires."
        ),
        State.DECLINED: _("We cannot offer you this loan; the reasons are shown below."),
        State.OFFER_ACCEPTED: _("We are paying out your loan to your account."),
        State.OFFER_DECLINED: _("Nothing more to do. You may apply again at any time."),
        State.OFFER_EXPIRED: _("The offer has expired. You may apply again at any time."),
        State.WITHDRAWN: _("Nothing more to do. You may apply again at any time."),
        State.DISBURSED: _("Your loan is open: its schedule and repayments are on the loan page."),
    }
    text = texts.get(state)
    if text is None:
        return None
    return {"text": text, "wait": expected_wait(selectors.SLA_HOURS.get(state))}


def expected_wait(hours: int | None) -> str:
    """ "Usually within 4 hours." / "Usually within 1 day."; "" when the bank promises no time."""
    if not hours:
        return ""
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("Usually within %(count)s day.", "Usually within %(count)s days.", days) % {
            "count": days
        }
    return ngettext("Usually within %(count)s hour.", "Usually within %(count)s hours.", hours) % {
        "count": hours
    }


# The services' own words for a step the customer took without giving a reason (audit notes in
# English, not for the customer's page): the timeline shows only what the customer wrote.
SYSTEM_REASONS = frozenset(
    {
        "created",
        "submitted",
        "scoring requested",
        "offer accepted",
        "withdrawn by the customer",
        "offer declined by the customer",
    }
)


def _timeline(application):
    """The customer's timeline: each step's state in words (never a state code); the customer's
    own reasons and the few system reasons meant for them (applications.event_reasons
    CUSTOMER_SAFE) — officers' and risk's notes and the services' audit notes are internal."""
    labels = dict(State.choices)
    events = list(selectors.application_events(application=application))
    for event in events:
        event.state_label = labels.get(event.to_state) or _("Updated")
        own = event.actor_id is not None and event.actor_id == application.customer.user_id
        if own and event.reason not in SYSTEM_REASONS:
            event.customer_reason = event.reason
        else:  # a system reason the customer may read (an offer's expiry), in their language
            event.customer_reason = customer_reason_text(event)
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
    asked = request.GET.get("preview_points", "")
    preview = services.offer_points_preview(application, points=int(asked) if asked.isdigit() else None)
    return render(
        request,
        "applications/offer.html",
        {"application": application, "offer": application.offer, "form": form, "points_preview": preview},
    )


def _contract_application(request, pk: int):
    """The application whose contract is asked for: the customer's own (or any, for staff who
    may view applications), and only once it has an offer; 404 otherwise."""
    application = _own_application(request, pk)
    if not application.offer:
        raise Http404
    return application


@login_required
@require_http_methods(["GET"])
def contract(request, pk: int):
    """The loan contract of the offer as shown and stored, printable (the browser's print)."""
    application = _contract_application(request, pk)
    document = contract_document(application, viewer=request.user)
    return render(request, "applications/contract.html", {"application": application, "document": document})


@login_required
@require_http_methods(["GET"])
def contract_pdf(request, pk: int):
    """The same contract as a PDF file."""
    application = _contract_application(request, pk)
    document = contract_document(application, viewer=request.user)
    response = HttpResponse(render_contract_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contract-{application}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


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
