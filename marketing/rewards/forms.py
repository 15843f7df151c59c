"""The referral-code form of the rewards page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReferralForm(forms.Form):
    code = forms.CharField(label=_("Referral code"), max_length=12)
