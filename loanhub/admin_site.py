"""The admin site: Django's, with log-in attempts limited per client address like the portal's,
and a start page per role (`loanhub.console`: the panels the apps contribute)."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from loanhub import console
from loanhub.throttling import TOO_MANY_ATTEMPTS, over_auth_limit


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """Refuses before any password is checked when the address is over its budget."""

    def clean(self):
        if getattr(self.request, "loanhub_throttled", False):
            raise ValidationError(TOO_MANY_ATTEMPTS, code="throttled")
        return super().clean()


class LoanHubAdminSite(AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        request.loanhub_throttled = request.method == "POST" and over_auth_limit(request)
        response = super().login(request, extra_context)
        if request.loanhub_throttled:
            response.status_code = 429
        return response

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "console_panels": console.render_panels(request)}
        return super().index(request, extra_context)


# Strings of Django's own admin templates that Django's Chinese catalogue does not translate yet
# (the app list's headers, read by screen readers): listed here so `makemessages` keeps them in
# LoanHub's catalogue, which comes first (LOCALE_PATHS).
DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
