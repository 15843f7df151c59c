"""Impact assessments of score models in the admin console (PIPL art. 55).

Risk Analysts write one per scorecard version (purpose, personal data used); the fairness checks
are computed by `risk.assessment` from the decisions available for that model, never typed in.
Another analyst signs it off with a button; signed, it is read-only and the model may be
promoted. Auditors see it read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loanhub.admin_history import ReadOnlyHistoryAdmin
from loanhub.errors import DomainError
from loanhub.permissions import may
from risk import assessment as services
from risk.models import SIGN_OFF_ASSESSMENT, WRITE_ASSESSMENT, ImpactAssessment, ScoreModel
from risk.scorecard.model import ArtifactError

# Where the fairness figures come from (risk.assessment.fairness_rows), in words.
FAIRNESS_SOURCES = {
    "decisions": _("the model's own decisions"),
    "replay": _("recent decisions replayed through the model"),
}


class ImpactAssessmentForm(forms.ModelForm):
    class Meta:
        model = ImpactAssessment
        fields = ("model", "purpose", "data_used")
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4, "maxlength": services.TEXT_MAX_LENGTH}),
            "data_used": forms.Textarea(attrs={"rows": 4, "maxlength": services.TEXT_MAX_LENGTH}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "model" in self.fields:
            self.fields["model"].queryset = ScoreModel.objects.filter(impact_assessment__isnull=True)

    def clean(self):
        data = super().clean()
        for field in ("purpose", "data_used"):
            try:
                services._text(data.get(field), field)
            except DomainError as exc:
                for message in exc.errors.get(field, []):
                    self.add_error(field, message)
        return data


def _group_rows(table: dict):
    return format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (g["group"], g["n"], g["approved"], g["approval_rate"], g["mean_pd"], "✓" if g["in_gap"] else "–")
            for g in table.get("groups", [])
        ),
    )


@admin.register(ImpactAssessment)
class ImpactAssessmentAdmin(ReadOnlyHistoryAdmin):
    form = ImpactAssessmentForm
    list_display = (
        "__str__",
        "author",
        "signed_off_by",
        "signed_off_at",
        "approval_gap_age",
        "approval_gap_region",
        "pd_gap_age",
        "pd_gap_region",
    )
    list_filter = (("signed_off_at", admin.EmptyFieldListFilter),)
    list_select_related = ("model", "author", "signed_off_by")
    readonly_fields = (
        "sign_off_block",
        "fairness_table",
        "fairness_computed_at",
        "author",
        "signed_off_by",
        "signed_off_at",
    )

    class Media:
        css = {"all": ["css/admin.css"]}  # classes instead of style="" (CSP: no inline style)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.signed_off:
            return ("model", "purpose", "data_used", *self.readonly_fields)
        return ("model", *self.readonly_fields)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("model", "purpose", "data_used")
        return ("model", "sign_off_block", "purpose", "data_used", *self.readonly_fields[1:])

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.signed_off)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.impact_assessment_save(
            model=form.cleaned_data.get("model") or obj.model,
            actor=request.user,
            purpose=form.cleaned_data["purpose"],
            data_used=form.cleaned_data["data_used"],
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.display(description=_("fairness checks"))
    def fairness_table(self, obj):
        fairness = obj.fairness or {}
        if not fairness:
            return "-"
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("group"),
            _("applications"),
            _("approved"),
            _("approval rate"),
            _("mean PD"),
            _("compared"),
        )
        parts = [
            format_html(
                "<p>{}: {} · {}: {} · {}: {}</p>",
                _("source"),
                FAIRNESS_SOURCES.get(fairness.get("source"), fairness.get("source")),
                _("applications"),
                fairness.get("rows"),
                _("smallest group compared"),
                fairness.get("min_group"),
            )
        ]
        for key, title in (("age_band", _("By age band")), ("region", _("By region"))):
            table = fairness.get(key, {})
            parts.append(
                format_html(
                    "<h4>{}</h4><table>{}{}</table><p>{}: {} · {}: {}</p>",
                    title,
                    head,
                    _group_rows(table),
                    _("approval-rate gap"),
                    table.get("approval_rate_gap") or "-",
                    _("mean-PD gap"),
                    table.get("mean_pd_gap") or "-",
                )
            )
        return format_html_join("", "{}", ((p,) for p in parts))

    @admin.display(description=_("sign-off"))
    def sign_off_block(self, obj):
        request = getattr(self, "_request", None)
        if obj.signed_off:
            return format_html("{} {} · {}", _("Signed off by"), obj.signed_off_by, obj.signed_off_at)
        buttons = []
        if (
            request is not None
            and may(request.user, SIGN_OFF_ASSESSMENT)
            and obj.author_id != request.user.pk
        ):
            buttons.append(("sign-off", _("Sign off (recomputes the fairness checks first)")))
        if request is not None and may(request.user, WRITE_ASSESSMENT):
            buttons.append(("recompute", _("Recompute the fairness checks")))
        if not buttons:
            return _("Waiting for someone other than the author to sign it off.")
        return format_html_join(
            " ",
            '<form method="post" action="{}" class="inline-action-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit">{}</button></form>',
            (
                (reverse("admin:risk_impactassessment_act", args=[obj.pk, action]), self._csrf, label)
                for action, label in buttons
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from django.middleware.csrf import get_token

        self._request, self._csrf = request, get_token(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/act/<str:action>/",
                self.admin_site.admin_view(self.act),
                name="risk_impactassessment_act",
            ),
            *super().get_urls(),
        ]

    def act(self, request, pk: int, action: str):
        assessment = get_object_or_404(ImpactAssessment.objects.select_related("model"), pk=pk)
        permission = {"sign-off": SIGN_OFF_ASSESSMENT, "recompute": WRITE_ASSESSMENT}.get(action)
        if request.method != "POST" or permission is None or not may(request.user, permission):
            raise PermissionDenied
        try:
            if action == "sign-off":
                services.impact_assessment_sign_off(assessment=assessment, actor=request.user)
            else:
                services.impact_assessment_save(
                    model=assessment.model,
                    actor=request.user,
                    purpose=assessment.purpose,
                    data_used=assessment.data_used,
                )
            messages.success(request, _("Done."))
        except (DomainError, ArtifactError) as exc:
            messages.error(request, str(exc))
        return redirect("admin:risk_impactassessment_change", pk)
