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


_reregister(
    PeriodicTask,
    IdentifierChoices,
    list_filter=["enabled", "one_off", TaskFilter, "start_time", "last_run_at"],
    identifier_fields=("regtask",),
)
for _model in (ClockedSchedule, IntervalSchedule, SolarSchedule):
    _reregister(_model, inlines=[PeriodicTaskInline])
_reregister(CrontabSchedule, IdentifierChoices, inlines=[PeriodicTaskInline], identifier_fields=("timezone",))
