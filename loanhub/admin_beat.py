"""django-celery-beat's console pages with LoanHub's words where the library has none: its task
field is labelled 'Task Name' outside any catalogue, and a task's dotted name is an identifier,
shown as one. The selects whose options are identifiers (the registered tasks' dotted names, the
IANA time-zone names) are marked `lang="en"`: words a reader does not translate, read out as
written; the library's help texts naming settings and brokers are translated in LoanHub's
catalogue with those names as code."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from loanhub.admin_labels import code


class TaskFilter(admin.SimpleListFilter):
    """Periodic tasks by the task they run."""

    title = _("task")
    parameter_name = "task"

    def lookups(self, request, model_admin):
        tasks = PeriodicTask.objects.order_by("task").values_list("task", flat=True).distinct()
        return [(task, task) for task in tasks]

    def queryset(self, request, queryset):
        return queryset.filter(task=self.value()) if self.value() else queryset


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = ("name", "task_code", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=_("task"))
    def task_code(self, obj):
        return code(obj.task)


class IdentifierChoices:
    """Marks the selects of `identifier_fields` as identifiers (`lang="en"`)."""

    identifier_fields: tuple[str, ...] = ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name in self.identifier_fields:
            if name in form.base_fields:
                form.base_fields[name].widget.attrs["lang"] = "en"
        return form


def _reregister(model, *mixins, **attributes) -> None:
    base = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (*mixins, base), attributes))


class NoCrontabTranslation:
    """The library's "Crontab translation" row (its English cron_descriptor text, meant to be
    hidden by an inline script the Content-Security-Policy does not run) is left out."""

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "crontab_translation"]})
            for title, options in super().get_fieldsets(request, obj)
        ]


_reregister(
    PeriodicTask,
    NoCrontabTranslation,
    IdentifierChoices,
    list_filter=["enabled", "one_off", TaskFilter, "start_time", "last_run_at"],
    identifier_fields=("regtask",),
)
for _model in (ClockedSchedule, IntervalSchedule, SolarSchedule):
    _reregister(_model, inlines=[PeriodicTaskInline])


class NoDescriptionWhenAdding:
    """A new crontab has no description yet (the library's English "human readable" text, from
    cron_descriptor, describes the saved schedule on its own page and list)."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "human_readable"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is not None else [f for f in readonly if f != "human_readable"]


_reregister(
    CrontabSchedule,
    NoDescriptionWhenAdding,
    IdentifierChoices,
    inlines=[PeriodicTaskInline],
    identifier_fields=("timezone",),
)
