"""The officer's business assessment page in the admin console (server-rendered, no JavaScript):
the business data side by side with its ratios, the qualitative assessment form of the published
rubric, the rating with every indicator's points and the rubric version, and the grade override
(asked for by an officer with a reason, decided by a second person, a Senior Approver).

Every action calls one service of `applications.services.business`; refusals are shown on the page.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications import services
from applications.apis_business import assessment_form
from applications.models import LoanApplication
from applications.services.business import is_business
from customers.business import BUSINESS_FIELDS, business_facts
from customers.models import BusinessProfile
from loanhub.errors import DomainError
from products.choices import RISK_GRADES
from risk.business import services as rating_services


def _ratios(application: LoanApplication, facts: dict | None) -> list[tuple[str, str]]:
    """The quantitative indicators of the business data for this application (labels of the
    published rubric), computed as the rating will compute them."""
    if facts is None or application.decision_id is None:
        return []
    from risk.product_terms import ProductTerms

    terms = ProductTerms.from_json(application.decision.product_terms)
    service = rating_services.first_year_debt_service(terms, amount=application.amount, term=application.term)
    values = rating_services.indicator_values(facts, amount=application.amount, debt_service=service)
    key = "label_zh" if (get_language() or "").startswith("zh") else "label_en"
    rubric = rating_services.rubric_published()
    return [
        (spec[key], "-" if values.get(spec["code"]) is None else str(values[spec["code"]]))
        for spec in rubric.definition["quantitative"]
    ]


def _act(request, application: LoanApplication) -> str:
    """Run the posted action; returns an error to show ("" when it went through)."""
    action = request.POST.get("action", "")
    try:
        if action == "assess":
            form = assessment_form(language="en")
            answers = {i["code"]: request.POST.get(i["code"], "") for i in form["indicators"]}
            services.application_assess_business(application=application, actor=request.user, answers=answers)
        elif action == "override":
            services.application_request_grade_override(
                application=application,
                actor=request.user,
                grade=request.POST.get("grade", ""),
                reason=request.POST.get("reason", ""),
            )
        elif action in ("approve_override", "reject_override"):
            services.application_decide_grade_override(
                application=application,
                actor=request.user,
                approve=action == "approve_override",
                reason=request.POST.get("reason", ""),
            )
        else:
            return _("Unknown action.")
    except DomainError as exc:
        if exc.errors:
            return "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.errors.items())
        return str(exc)
    return ""


def assessment_view(model_admin, request, pk: int):
    application = get_object_or_404(
        LoanApplication.objects.select_related("customer", "decision", "product_version__product"), pk=pk
    )
    if not perms.may_decide(request.user) or not model_admin.has_view_permission(request, application):
        raise PermissionDenied
    error = ""
    here = reverse("admin:applications_loanapplication_assessment", args=[pk])
    if request.method == "POST":
        error = _act(request, application)
        if not error:
            return HttpResponseRedirect(here)
        application.refresh_from_db()
    profile = BusinessProfile.objects.filter(customer=application.customer).first()
    facts = business_facts(customer_id=application.customer_id)
    rating = services.rating_for(application)
    language = get_language() or "zh-hans"
    business_rows = (
        [
            (BusinessProfile._meta.get_field(name).verbose_name, _display(profile, name))
            for name in BUSINESS_FIELDS
        ]
        if profile
        else []
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": application,
        "title": _("Business assessment"),
        "is_business": is_business(application),
        "business_rows": business_rows,
        "ratios": _ratios(application, facts),
        "form": assessment_form(language=language),
        "answers": request.POST if request.method == "POST" else (rating.answers if rating else {}),
        "rating": rating_services.rating_payload(rating, language=language) if rating else None,
        "grades": RISK_GRADES,
        "may_decide_override": perms.may_senior_approve(request.user),
        "error": error,
    }
    return TemplateResponse(request, "admin/applications/loanapplication/assessment.html", context)


def _display(profile: BusinessProfile, name: str) -> str:
    display = getattr(profile, f"get_{name}_display", None)
    return str(display()) if display else str(getattr(profile, name))
