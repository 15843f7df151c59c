"""The application wizard: the customer's step-by-step application, server-rendered.

loan (amount, term, method; a live installment and APR preview) → about you (the customer
profile, prefilled, and the few facts asked on the application) → documents (the identity card)
→ review and consent → submit. Every step saves the draft (an application in state `draft`), so
the customer may stop and resume later from "My applications"; only their own drafts open (anyone
else's is 404). Usable without JavaScript: the preview is computed on the server through the one
quote (a "Preview" button); static/js/wizard.js, when it runs, refreshes it from the quote API as
the customer types. Nothing is chosen for the customer: every dropdown starts on "— choose —".

The wizard validates input and calls services only: drafts through `application_create` /
`application_update`, the profile and the identity card through `customers.services`, and the
submission through `application_submit`, the one place that submits.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from applications import features as f
from applications import selectors, services
from applications.forms import (
    STATED_LABELS,
    WizardAboutForm,
    WizardDocumentForm,
    WizardLoanForm,
    WizardReviewForm,
)
from applications.services.drafts import GRACE_FIELDS
from customers import ocr
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.forms import apply_errors, profile_initial
from customers.views_phone import phone_page_url
from products import selectors as product_selectors
from products.models import Product
from products.quotes import ProductQuoteError

STEPS = ("loan", "about", "documents", "review")
STEP_LABELS = {
    "loan": gettext_lazy("Your loan"),
    "about": gettext_lazy("About you"),
    "documents": gettext_lazy("Documents"),
    "review": gettext_lazy("Review and submit"),
}
# Which step asks for a field the submission service may name in an error.
FIELD_STEP = {
    **dict.fromkeys(WizardLoanForm.QUOTED + ("purpose", "product"), "loan"),
    **dict.fromkeys(WizardAboutForm.PROFILE_FIELDS + f.APPLICANT_STATED, "about"),
    **dict.fromkeys(("date_of_birth", "monthly_income", "customer"), "about"),
    "credit_check_consent": "review",
    "document": "documents",
}
LANDING_KEYS = ("campaign", "utm_source", "utm_medium", "utm_campaign", "referral_code")


class _StepInvalid(Exception):
    """Rolls back a step whose form has errors after its services were asked to judge it."""


def _version_or_404(code: str):
    try:
        return product_selectors.product_get_offered(code=code)
    except (Product.DoesNotExist, product_selectors.ProductNotOffered):
        raise Http404(code) from None


def _own_draft(request, pk: int):
    try:
        return selectors.draft_get_own(user=request.user, application_id=pk)
    except services.ApplicationNotFound:
        raise Http404 from None


def _step_url(application, step: str) -> str:
    return reverse("applications:wizard", args=[application.pk, step])


def _next_step(application, customer) -> str:
    """Where a resumed draft continues: the first step not answered yet."""
    if any(not getattr(application, name) for name in f.APPLICANT_STATED):
        return "about"
    if customer_selectors.identity_document_latest(customer=customer) is None:
        return "documents"
    return "review"


def _render(request, step: str, context: dict, *, status: int = 200):
    application = context.get("application")
    reached = STEPS.index(step) if application is None else len(STEPS)
    context["steps"] = [
        {
            "name": name,
            "label": STEP_LABELS[name],
            "number": index + 1,
            "current": name == step,
            "url": _step_url(application, name) if application is not None and index <= reached else "",
        }
        for index, name in enumerate(STEPS)
    ]
    context["step"] = step
    return render(request, f"applications/wizard/{step}.html", context, status=status)


def _preview(customer, version, terms: dict):
    try:
        quote = selectors.application_preview(customer=customer, version=version, **terms)
    except ProductQuoteError as exc:
        return None, exc.errors
    return quote, {}


# --- step 1: the loan ------------------------------------------------------------------------
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def wizard_start(request):
    """A new application for the product chosen in the catalogue (?product=CODE)."""
    code = request.GET.get("product") or request.POST.get("product") or ""
    if not code:
        return redirect("catalogue:list")
    version = _version_or_404(code[:32])
    customer = customer_selectors.customer_for_user(request.user)
    if customer is None:
        messages.info(request, _("Please complete your profile first; then continue with your application."))
        return redirect(f"{reverse('customers:profile')}?{urlencode({'next': request.get_full_path()})}")
    return _loan_step(request, version=version, customer=customer, application=None)


def _loan_initial(request, version, application) -> dict:
    if application is not None:
        return {
            "amount": application.amount,
            "term": application.term,
            "method": application.method,
            "frequency": application.frequency,
            "grace_periods": application.grace_periods,
            "grace_type": application.grace_type,
            "purpose": application.purpose,
        }
    # What the customer chose on the calculator or a product page, carried by the Apply link.
    initial = {}
    for key in ("amount", "term", "method", "frequency", "grace_periods", "grace_type"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:20]
    for key in LANDING_KEYS:
        value = request.GET.get(key if key != "referral_code" else "ref") or request.GET.get(key)
        if value:
            initial[key] = value[:100]
    return initial


def _loan_step(request, *, version, customer, application):
    quote = None
    status = 200
    if request.method == "POST":
        form = WizardLoanForm(request.POST, version=version)
        valid = form.is_valid()
        if "preview" in request.POST:
            form.keep_quote_errors_only()
            terms = form.quote_terms()
            if terms is not None:
                quote, errors = _preview(customer, version, terms)
                form.add_service_errors(_grace_field(errors))
            status = 400 if form.errors else 200
        elif valid:
            try:
                application = _save_loan(request, form, version=version, application=application)
            except services.ApplicationValidationError as exc:
                form.add_service_errors(exc.errors)
            except services.ApplicationStateError as exc:  # submitted meanwhile (another tab)
                messages.error(request, str(exc))
                if application is None:
                    return redirect("applications:list")
                return redirect("applications:detail", pk=application.pk)
            else:
                return redirect(_step_url(application, "about"))
            status = 400
        else:
            status = 400
    else:
        initial = _loan_initial(request, version, application)
        form = WizardLoanForm(initial=initial, version=version)
        # A loan already chosen (a draft, or the calculator's link) is previewed at once.
        probe = WizardLoanForm({k: v for k, v in initial.items() if v not in (None, "")}, version=version)
        probe.is_valid()
        probe.keep_quote_errors_only()
        terms = probe.quote_terms()
        if terms is not None:
            quote, _errors = _preview(customer, version, terms)
    action = _step_url(application, "loan") if application else request.get_full_path()
    return _render(
        request,
        "loan",
        {
            "form": form,
            "version": version,
            "customer": customer,
            "application": application,
            "quote": quote,
            "action": action,
            "quote_api": reverse("catalogue-api:quote", args=[version.product.code]),
        },
        status=status,
    )


def _grace_field(errors: dict) -> dict:
    return {GRACE_FIELDS.get(k, k): v for k, v in errors.items()}


def _save_loan(request, form: WizardLoanForm, *, version, application):
    if application is None:
        return services.application_create(
            actor=request.user,
            product=version.product.code,
            **form.application_data(),
            **form.landing_data(),
        )
    return services.application_update(
        application=application, actor=request.user, data=form.application_data()
    )


# --- the other steps -------------------------------------------------------------------------
@never_cache
@login_required
def wizard_resume(request, pk: int):
    application = _own_draft(request, pk)
    return redirect(_step_url(application, _next_step(application, application.customer)))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, pk: int, step: str):
    application = _own_draft(request, pk)
    if step not in STEPS:
        raise Http404(step)
    customer = application.customer
    if step == "loan":
        return _loan_step(
            request, version=application.product_version, customer=customer, application=application
        )
    return {"about": _about_step, "documents": _documents_step, "review": _review_step}[step](
        request, application, customer
    )


def _about_step(request, application, customer):
    if request.method == "POST":
        form = WizardAboutForm(request.POST)
        form.is_valid()
        try:
            with transaction.atomic():
                # The profile service judges its fields even when an answer below is missing, so
                # every error shows at once; nothing is kept unless the whole step is valid.
                customer_services.customer_upsert_for_user(user=request.user, data=form.profile_data())
                if form.errors:
                    raise _StepInvalid
                services.application_update(
                    application=application, actor=request.user, data=form.stated_data()
                )
        except _StepInvalid:
            pass
        except customer_services.CustomerValidationError as exc:
            apply_errors(form, exc)
        except services.ApplicationValidationError as exc:
            for field, errors in exc.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect(_step_url(application, "documents"))
        return _render(request, "about", {"form": form, "application": application}, status=400)
    initial = profile_initial(customer)
    initial.update({name: getattr(application, name) for name in f.APPLICANT_STATED})
    form = WizardAboutForm(initial=initial)
    return _render(request, "about", {"form": form, "application": application})


def _documents_step(request, application, customer):
    card = customer_selectors.identity_document_latest(customer=customer)
    posted = request.method == "POST"
    form = WizardDocumentForm(request.POST if posted else None, request.FILES if posted else None)
    read = None
    if posted and form.is_valid():
        upload = form.cleaned_data.get("file")
        if upload is None:
            if card is not None:
                return redirect(_step_url(application, "review"))
            form.add_error("file", _("Upload your identity card to continue."))
        else:
            try:
                card = customer_services.document_upload(
                    customer=customer, kind="id_card", file=upload, actor=request.user
                )
            except customer_services.CustomerValidationError as exc:
                apply_errors(form, exc)
            else:
                upload.seek(0)
                read = ocr.read_identity_card(upload.read())
                if not read:
                    return redirect(_step_url(application, "review"))
                # Shown once for the customer to compare with what they typed; never stored.
                form = WizardDocumentForm()
    context = {
        "form": form,
        "application": application,
        "card": card,
        "read": read,
        "ocr_available": not isinstance(ocr.engine(), ocr.NullEngine),
    }
    return _render(request, "documents", context, status=400 if form.errors else 200)


def _review_step(request, application, customer):
    consent_given = customer_selectors.customer_has_credit_check_consent(customer=customer)
    form = WizardReviewForm(request.POST if request.method == "POST" else None, consent_given=consent_given)
    card = customer_selectors.identity_document_latest(customer=customer)
    step_errors: list[dict] = []
    status = 200
    if request.method == "POST":
        if card is None:
            messages.error(request, _("Upload your identity card before you submit the application."))
            return redirect(_step_url(application, "documents"))
        if not customer_selectors.phone_is_verified(customer=customer):
            messages.error(request, _("Verify your phone number before you submit the application."))
            return redirect(phone_page_url(_step_url(application, "review")))
        if form.is_valid():
            try:
                services.application_submit(
                    application=application,
                    actor=request.user,
                    credit_check_consent=bool(form.cleaned_data.get("credit_check_consent")),
                )
            except services.ApplicationValidationError as exc:
                step_errors = _errors_by_step(application, exc.errors)
                if "credit_check_consent" in exc.errors and "credit_check_consent" in form.fields:
                    form.add_error("credit_check_consent", exc.errors["credit_check_consent"])
            except services.ApplicationStateError as exc:
                messages.error(request, str(exc))
                return redirect("applications:detail", pk=application.pk)
            else:
                messages.success(request, _("Your application is submitted. We are assessing it now."))
                return redirect("applications:detail", pk=application.pk)
        status = 400
    quote, _errors = _preview(
        customer,
        application.product_version,
        {
            "amount": application.amount,
            "term": application.term,
            "method": application.method,
            "frequency": application.frequency,
            "grace_periods": application.grace_periods,
            "grace_type": application.grace_type or None,
        },
    )
    stated = [
        (WizardAboutForm.base_fields[name].label, STATED_LABELS[name].get(getattr(application, name), ""))
        for name in f.APPLICANT_STATED
    ]
    context = {
        "form": form,
        "application": application,
        "customer": customer,
        "quote": quote,
        "card": card,
        "phone_verified": customer_selectors.phone_is_verified(customer=customer),
        "phone_url": phone_page_url(_step_url(application, "review")),
        "stated": stated,
        "consent": customer_selectors.consent_current(customer=customer) if consent_given else None,
        "step_errors": step_errors,
    }
    return _render(request, "review", context, status=status)


def _errors_by_step(application, errors: dict) -> list[dict]:
    """The submission service's field errors, each with the step where it is answered."""
    out = []
    for field, messages_ in errors.items():
        step = FIELD_STEP.get(field, "review")
        out.append(
            {
                "step": _("Phone") if field == "phone" else STEP_LABELS[step],
                "url": (
                    phone_page_url(_step_url(application, "review"))
                    if field == "phone"
                    else _step_url(application, step)
                ),
                "messages": [str(m) for m in messages_],
            }
        )
    return out
