"""Business rating rubrics in the admin: risk analysts write a new version as a draft (the whole
definition as JSON, see `risk.business.scorecard`), a second analyst publishes it (four eyes).
Published versions are read-only; ratings are read-only everywhere."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loanhub.admin_labels import LabelledFieldsMixin
from loanhub.admin_readonly import ReadOnlyAdminMixin
from loanhub.errors import DomainError
from risk import admin_labels as labels
from risk.business import services
from risk.business.models import BusinessRating, BusinessRubric
from risk.business.rubric_v1 import NOTE_V1


class BusinessRubricForm(forms.ModelForm):
    class Meta:
        model = BusinessRubric
        fields = ("definition", "note")

    def clean_definition(self):
        # The whole document is checked here so that a bad draft is a form error naming each path
        # (the service checks it again, and again at publish).
        definition = self.cleaned_data["definition"]
        errors = services.rubric_check(definition)
        if errors:
            raise ValidationError([f"{path}: {message}" for path, ms in errors.items() for message in ms])
        return definition


@admin.register(BusinessRubric)
class BusinessRubricAdmin(admin.ModelAdmin):
    form = BusinessRubricForm
    list_display = ("version", "status", "created_by", "created_at", "published_by", "published_at")
    fields = ("definition", "note")
    actions = ("publish",)

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ("version", "status", "definition_labels", "note_text") if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        return ("version", "status", "definition_labels", "note_text") if obj else ()

    @admin.display(description=BusinessRubric._meta.get_field("note").verbose_name)
    def note_text(self, obj):
        return gettext(obj.note) if obj.note == NOTE_V1 else (obj.note or "-")

    @admin.display(description=BusinessRubric._meta.get_field("definition").verbose_name)
    def definition_labels(self, obj):
        return labels.rubric_html(obj.definition)

    def save_model(self, request, obj, form, change):
        # The service numbers the version, checks the definition and records who wrote it.
        created = services.rubric_create_draft(
            definition=form.cleaned_data["definition"], actor=request.user, note=form.cleaned_data["note"]
        )
        obj.pk = created.pk

    @admin.action(description=_("Publish the selected draft (not by its author)"))
    def publish(self, request, queryset):
        for rubric in queryset:
            try:
                services.rubric_publish(rubric=rubric, actor=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request, _("Rubric v%(version)s is published.") % {"version": rubric.version}
                )


@admin.register(BusinessRating)
class BusinessRatingAdmin(LabelledFieldsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "requester",
        "customer",
        "grade",
        "model_grade",
        "score",
        "override_status",
        "created_at",
    )
    list_filter = ("grade", "override_status")
    list_select_related = ("customer",)
    field_display = {"requester_ref": labels.ref_html, "facts": labels.facts_html}

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        shown = {"answers": "answers_labels", "indicators": "indicators_labels"}
        return [shown.get(name, name) for name in fields]

    @admin.display(description=BusinessRating._meta.get_field("requester_ref").verbose_name)
    def requester(self, obj):
        return labels.ref_html(obj.requester_ref)

    @admin.display(description=BusinessRating._meta.get_field("answers").verbose_name)
    def answers_labels(self, obj):
        return labels.answers_html(obj.answers, obj.rubric.definition)

    @admin.display(description=BusinessRating._meta.get_field("indicators").verbose_name)
    def indicators_labels(self, obj):
        return labels.indicators_html(obj.indicators, obj.rubric.definition)
