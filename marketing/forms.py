"""The customer's feedback forms: an NPS answer and a suggestion."""

from django import forms
from django.utils.translation import gettext_lazy as _

SCORES = [(n, str(n)) for n in range(11)]


class SurveyAnswerForm(forms.Form):
    survey = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend us? (0 = not at all, 10 = extremely)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What is the main reason for your score?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggestion = forms.CharField(
        label=_("A suggestion for our products (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your suggestion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
