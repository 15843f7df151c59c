"""Customer pages: sign-up, log-in and log-out, the profile form with documents, and the
permission-checked document download. Every rule is in `customers.services`/`selectors`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import business, selectors, services
from customers import consents as consent_wordings
from customers import marketing_consent as consent_services
from customers.forms import (
    BusinessProfileForm,
    DocumentUploadForm,
    ProfileForm,
    SignupForm,
    apply_errors,
    profile_initial,
)
from customers.models import BUSINESS_TYPES, MARKETING_CONSENTS, Document
from loanhub import sessions
from loanhub.errors import DomainError
from loanhub.throttling import TOO_MANY_ATTEMPTS, over_auth_limit


def _too_many(form):
    form.add_error(None, TOO_MANY_ATTEMPTS)
    return form


def signup(request):
    if request.user.is_authenticated:
        return redirect("customers:profile")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and over_auth_limit(request):
        return render(request, "customers/signup.html", {"form": _too_many(form)}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.customer_user_register(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                email=form.cleaned_data["email"],
            )
        except services.CustomerValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to LoanHub. Tell us about yourself to apply for a loan."))
            return redirect("customers:profile")
    return render(request, "customers/signup.html", {"form": form})


class CustomerLoginView(LoginView):
    template_name = "customers/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if over_auth_limit(request):
            form = _too_many(self.get_form())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self):
        if self.request.user.is_staff:
            return reverse("admin:index")
        return reverse("customers:profile")


class CustomerLogoutView(LogoutView):
    next_page = "home"


def _next_url(request) -> str | None:
    """Where to continue after saving the profile (e.g. back to an application), if safe."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _render_profile(request, customer, form, upload_form, status=200):
    context = {
        "customer": customer,
        "form": form,
        "upload_form": upload_form,
        "documents": selectors.document_list(customer=customer) if customer else [],
        "phone_verified": bool(customer) and selectors.phone_is_verified(customer=customer),
        "next": _next_url(request) or "",
    }
    return render(request, "customers/profile.html", context, status=status)


@never_cache
@login_required
def profile(request):
    customer = selectors.customer_for_user(request.user)
    if request.method == "POST":
        try:  # the right before the form: staff accounts keep no customer profile
            services.profile_check_owner(request.user)
        except services.CustomerPermissionError as exc:
            raise PermissionDenied(str(exc)) from None
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                customer = services.customer_upsert_for_user(user=request.user, data=form.cleaned_data)
            except services.CustomerValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect(_next_url(request) or "customers:profile")
        return _render_profile(request, customer, form, DocumentUploadForm(), status=400)
    form = ProfileForm(initial=profile_initial(customer) or {"email": request.user.email})
    return _render_profile(request, customer, form, DocumentUploadForm())


@require_POST
@login_required
def document_upload(request):
    customer = selectors.customer_for_user(request.user)
    if customer is None:
        messages.error(request, _("Save your profile before uploading documents."))
        return redirect("customers:profile")
    upload_form = DocumentUploadForm(request.POST, request.FILES)
    if upload_form.is_valid():
        try:
            services.document_upload(
                customer=customer,
                kind=upload_form.cleaned_data["kind"],
                file=upload_form.cleaned_data["file"],
                actor=request.user,
            )
        except services.CustomerValidationError as exc:
            apply_errors(upload_form, exc)
        else:
            messages.success(request, _("The document is uploaded."))
            return redirect("customers:profile")
    form = ProfileForm(initial=profile_initial(customer))
    return _render_profile(request, customer, form, upload_form, status=400)


@never_cache
@require_GET
def document_download(request, pk: int):
    """The file, to its owner or to staff allowed to see it (audited); 404 to everyone else."""
    try:
        document = selectors.document_get_for_actor(document_id=pk, actor=request.user)
    except Document.DoesNotExist:
        raise Http404 from None
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    services.document_access_record(document=document, actor=request.user)
    extension = document.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.kind}-{document.pk}.{extension}",
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def session_list(request):
    """The signed-in user's sessions: sign one out, or every one but this."""
    if request.method == "POST":
        if request.POST.get("action") == "end-others":
            ended = sessions.session_end_others(
                user=request.user, keep_session_key=request.session.session_key
            )
            text = ngettext(
                "Signed out of %(count)d other session.", "Signed out of %(count)d other sessions.", ended
            )
            messages.success(request, text % {"count": ended})
        else:
            try:
                session_id = int(request.POST.get("session", ""))
            except ValueError:
                session_id = 0
            current = sessions.current_record(session_key=request.session.session_key)
            if current is not None and current.pk == session_id:
                messages.error(request, _("Use Sign out to end this session."))
            elif sessions.session_end(user=request.user, session_id=session_id):
                messages.success(request, _("That session is signed out."))
            else:
                messages.error(request, _("That session has already ended."))
        return redirect("customers:sessions")
    records = sessions.session_list(user=request.user)
    return render(
        request,
        "customers/sessions.html",
        {"records": records, "current_key": request.session.session_key},
    )


@never_cache
@login_required
def business_profile(request):
    """The business data of a small business or sole proprietor: entered and changed by its owner."""
    customer = selectors.customer_for_user(request.user)
    if customer is None:
        messages.error(request, _("Save your profile first."))
        return redirect("customers:profile")
    profile = business.business_profile_get(customer=customer, actor=request.user)
    context = {"customer": customer, "is_business": customer.customer_type in BUSINESS_TYPES}
    if request.method == "POST":
        form = BusinessProfileForm(request.POST)
        if form.is_valid():
            try:
                business.business_profile_put(customer=customer, actor=request.user, data=form.cleaned_data)
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Your business data is saved."))
                return redirect("customers:business")
        return render(request, "customers/business.html", {**context, "form": form}, status=400)
    initial = {name: getattr(profile, name) for name in business.BUSINESS_FIELDS} if profile else None
    return render(
        request, "customers/business.html", {**context, "form": BusinessProfileForm(initial=initial)}
    )


_CONSENT_LABELS = {
    "email": gettext_lazy("Offers by e-mail"),
    "sms": gettext_lazy("Offers by SMS"),
    "portal": gettext_lazy("Offers in my portal inbox"),
    "personalised_recommendations": gettext_lazy("Recommendations chosen from my profile and history"),
}


@login_required
def marketing_consent(request):
    """Give or withdraw each marketing consent; none is a condition of any loan."""
    customer = selectors.customer_for_user(request.user)
    if customer is None:
        return redirect("customers:profile")
    if request.method == "POST":
        choices = {name: request.POST.get(name) == "on" for name in MARKETING_CONSENTS}
        consent_services.marketing_consent_set(customer=customer, actor=request.user, choices=choices)
        messages.success(request, _("Your marketing choices are saved."))
        return redirect("customers:marketing-consent")
    flags = selectors.marketing_consent_get(customer=customer)
    rows = [
        {
            "name": name,
            "label": _CONSENT_LABELS[name],
            "wording": consent_wordings.WORDINGS[kind].text,
            "given": flags[name],
        }
        for name, kind in MARKETING_CONSENTS.items()
    ]
    return render(request, "customers/marketing_consent.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def marketing_unsubscribe(request, token: str):
    """One-click unsubscribe (no sign-in: the signed token is the proof), honoured at once.
    POST is RFC 8058's List-Unsubscribe-Post; GET is the link in the message."""
    try:
        _customer, channel = consent_services.marketing_unsubscribe(token=token)
    except services.CustomerValidationError:
        return render(request, "customers/unsubscribed.html", {"valid": False}, status=400)
    return render(
        request, "customers/unsubscribed.html", {"valid": True, "channel": _CONSENT_LABELS[channel]}
    )
