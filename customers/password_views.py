"""Password change for a signed-in customer (customers.passwords), and password reset by e-mail
for customers (Django's views with LoanHub's templates): the customer
asks with their e-mail address, gets a one-time link (LOANHUB_EMAIL_BACKEND; the console in
development) and chooses a new password that passes the same rules as at sign-up. Staff accounts
are not reset from the portal (an administrator resets them in the console)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from customers.passwords import customer_password_changed
from loanhub.throttling import TOO_MANY_ATTEMPTS, over_auth_limit


class CustomerPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_staff)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = CustomerPasswordResetForm
    template_name = "customers/password_reset.html"
    email_template_name = "customers/password_reset_email.txt"
    subject_template_name = "customers/password_reset_subject.txt"
    success_url = reverse_lazy("customers:password-reset-done")

    def post(self, request, *args, **kwargs):
        # The same budget as signing in: the page must not send e-mail in bulk.
        if over_auth_limit(request):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, TOO_MANY_ATTEMPTS)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "customers/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "customers/password_reset_confirm.html"
    success_url = reverse_lazy("customers:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "customers/password_reset_complete.html"


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in customer changes their password (Django's form: the old password, then the new
    one twice under the same rules as at sign-up). Staff change theirs in the console."""

    template_name = "customers/password_change.html"
    success_url = reverse_lazy("customers:profile")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            return redirect("admin:password_change")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Guessing the old password is guessing a password: the same budget as signing in.
        if over_auth_limit(request):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, TOO_MANY_ATTEMPTS)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # Field errors, the typed input kept; a 400 like the portal's other refused forms.
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # saves, then update_session_auth_hash (a new key)
        ended = customer_password_changed(
            user=form.user,
            old_session_key=old_key,
            session_key=self.request.session.session_key,
            language=self.request.LANGUAGE_CODE,
        )
        text = _("Your password is changed. This browser stays signed in.")
        if ended:
            text += " " + ngettext(
                "%(count)d other session was signed out.", "%(count)d other sessions were signed out.", ended
            ) % {"count": ended}
        messages.success(self.request, text)
        return response
