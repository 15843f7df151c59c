"""Password reset by e-mail for customers (Django's views with LoanHub's templates): the customer
asks with their e-mail address, gets a one-time link (LOANHUB_EMAIL_BACKEND; the console in
development) and chooses a new password that passes the same rules as at sign-up. Staff accounts
are not reset from the portal (an administrator resets them in the console)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse_lazy

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
