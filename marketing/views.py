"""Marketing pages: the landing of campaign, partner and UTM links (public), and the customer's
feedback page (their NPS surveys and suggestions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from customers.forms import apply_errors
from customers.selectors import customer_for_user
from loanhub.errors import DomainError
from marketing import crm, selectors, services
from marketing.forms import SuggestionForm, SurveyAnswerForm

VISITOR_COOKIE_AGE = 365 * 24 * 60 * 60


@require_GET
def landing(request, code: str):
    """Log the touch (customer, or an anonymous visitor id kept in a cookie), then go on to the
    campaign's landing page (home for partner and UTM links)."""
    visitor_id = request.COOKIES.get(services.VISITOR_COOKIE) or services.new_visitor_id()
    customer = customer_for_user(request.user) if request.user.is_authenticated else None
    _touch, campaign = services.touch_record_landing(
        code=code, params=request.GET, customer=customer, visitor_id=visitor_id
    )
    target = campaign.landing_path if campaign is not None else "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        services.VISITOR_COOKIE, visitor_id, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax"
    )
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feedback(request):
    """GET: the customer's open and answered surveys and a suggestion form; POST: answer one
    survey (`survey` names it; only the customer's own) or make a suggestion."""
    customer = customer_for_user(request.user)
    if customer is None:
        messages.error(request, _("Save your profile first."))
        return redirect("customers:profile")
    surveys = list(selectors.survey_list_of(customer_id=customer.pk))
    answer_form, suggestion_form, failed_survey, status = None, SuggestionForm(), None, 200
    if request.method == "POST":
        if "survey" in request.POST:
            answer_form = SurveyAnswerForm(request.POST)
            if answer_form.is_valid():
                data = answer_form.cleaned_data
                try:
                    crm.survey_answer(
                        survey_id=data["survey"],
                        actor=request.user,
                        score=data["score"],
                        comment=data["comment"],
                        suggestion=data["suggestion"],
                    )
                except DomainError as exc:
                    apply_errors(answer_form, exc)
                else:
                    messages.success(request, _("Thank you for your answer."))
                    return redirect("marketing:feedback")
            failed_survey = request.POST.get("survey")
        else:
            suggestion_form = SuggestionForm(request.POST)
            if suggestion_form.is_valid():
                try:
                    crm.suggestion_submit(actor=request.user, text=suggestion_form.cleaned_data["text"])
                except DomainError as exc:
                    apply_errors(suggestion_form, exc)
                else:
                    messages.success(request, _("Thank you: your suggestion goes to our product team."))
                    return redirect("marketing:feedback")
        status = 400
    rows = []
    for survey in surveys:
        form = None
        if survey.answered_at is None:
            form = (
                answer_form
                if str(survey.pk) == failed_survey
                else SurveyAnswerForm(initial={"survey": survey.pk})
            )
        rows.append({"survey": survey, "form": form})
    context = {"rows": rows, "suggestion_form": suggestion_form}
    return render(request, "marketing/feedback.html", context, status=status)
