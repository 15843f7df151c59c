"""The admin site: Django's, with log-in attempts limited per client address like the portal's,
and a start page per role (`loanhub.console`: the panels the apps contribute)."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop

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


def boolean_icon(value):
    """The admin's yes/no/unknown icon with its text in the page's language: Django's own writes
    the Python value ("True", "False", "None") as the image's alternative text, which is what a
    screen reader says and what shows when the image does not load."""
    name, text = {
        True: ("yes", gettext("Yes")),
        False: ("no", gettext("No")),
        None: ("unknown", gettext("Unknown")),
    }[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


def use_translated_boolean_icons() -> None:
    """Puts `boolean_icon` where the admin looks its icon up (the change list, read-only fields
    and `display_for_field` import it from this module at call time)."""
    from django.contrib.admin.templatetags import admin_list

    admin_list._boolean_icon = boolean_icon


def display_rates_and_money(display):
    """`display` (Django's `display_for_field`) with a rate or APR column shown as a percentage and an
    amount column in yuan as the page's language writes it, not as the stored decimal
    ("0.04350000", "8606.64")."""
    from django.db import models

    from loanhub.formatting import cny_text, percent_exact
    from loanhub.money import APR_DIGITS, APR_PLACES, MONEY_DIGITS, MONEY_PLACES, RATE_DIGITS, RATE_PLACES

    def shown(value, field, empty_value_display, avoid_link=False):
        if value is not None and isinstance(field, models.DecimalField) and not field.flatchoices:
            shape = (field.max_digits, field.decimal_places)
            if shape in ((RATE_DIGITS, RATE_PLACES), (APR_DIGITS, APR_PLACES)):
                return percent_exact(value)
            if shape == (MONEY_DIGITS, MONEY_PLACES):
                return cny_text(value)
        return display(value, field, empty_value_display, avoid_link)

    shown.formats_rates_and_money = True
    return shown


def use_formatted_rates_and_money() -> None:
    """Puts `display_rates_and_money` where the change list and the read-only fields look Django's
    `display_for_field` up (both import it by name)."""
    from django.contrib.admin import helpers
    from django.contrib.admin.templatetags import admin_list

    for module in (helpers, admin_list):
        if not getattr(module.display_for_field, "formats_rates_and_money", False):
            module.display_for_field = display_rates_and_money(module.display_for_field)
