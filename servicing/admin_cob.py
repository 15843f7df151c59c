"""Admin console: close-of-business runs (read-only), with progress, duration and the day's counts.

Runs are written only by `servicing.cob`; here an auditor or a loan officer (servicing view
permission) follows them: each date's status, chunks done of total, how long it took, the loans
closed, the provisions and non-performing loans of the day, the loans by bucket, class and IFRS 9
stage, and the chunks with their loan-id ranges and attempts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from servicing.admin import ReadOnlyAdminMixin, ReadOnlyTabularInline
from servicing.choices import Classification
from servicing.models import CobChunk, CobRun


def _amount(run: CobRun, key: str) -> Decimal | None:
    try:
        return Decimal(run.counts[key])
    except (KeyError, TypeError, InvalidOperation):
        return None


def _table(rows, labels=None):
    if not rows:
        return "—"
    labels = labels or {}
    body = format_html_join(
        "", "<tr><td>{}</td><td>{}</td></tr>", ((labels.get(key, key), n) for key, n in rows.items())
    )
    return format_html('<table class="cob-counts"><tbody>{}</tbody></table>', body)


class CobChunkInline(ReadOnlyTabularInline):
    model = CobChunk
    fields = ("number", "first_id", "last_id", "done", "done_at", "loans", "replayed", "attempts")
    readonly_fields = fields


@admin.register(CobRun)
class CobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "business_date",
        "status",
        "progress",
        "duration",
        "loans",
        "provision",
        "npl",
        "npl_ratio",
    )
    list_filter = ("status",)
    date_hierarchy = "business_date"
    list_per_page = 50
    fields = (
        "business_date",
        "through",
        "status",
        "progress",
        "started_at",
        "finished_at",
        "duration",
        "loans",
        "balance",
        "provision",
        "ecl",
        "npl",
        "npl_ratio",
        "by_bucket",
        "by_class",
        "by_stage",
        "error",
    )
    readonly_fields = fields
    inlines = (CobChunkInline,)

    @admin.display(description=_("progress"))
    def progress(self, obj: CobRun) -> str:
        return f"{obj.chunks_done}/{obj.chunks_total}"

    @admin.display(description=_("duration"))
    def duration(self, obj: CobRun) -> str:
        if obj.finished_at is None:
            return "—"
        return _("%(seconds).1f s") % {"seconds": (obj.finished_at - obj.started_at).total_seconds()}

    @admin.display(description=_("principal outstanding"))
    def balance(self, obj: CobRun):
        return _amount(obj, "balance")

    @admin.display(description=_("provision"))
    def provision(self, obj: CobRun):
        return _amount(obj, "provision")

    @admin.display(description=_("expected credit loss (IFRS 9)"))
    def ecl(self, obj: CobRun):
        return _amount(obj, "ecl")

    @admin.display(description=_("NPL balance"))
    def npl(self, obj: CobRun):
        return _amount(obj, "npl")

    @admin.display(description=_("NPL ratio"))
    def npl_ratio(self, obj: CobRun) -> str:
        npl, balance = _amount(obj, "npl"), _amount(obj, "balance")
        if npl is None or not balance:
            return "—"
        return f"{(npl / balance * 100).quantize(Decimal('0.01'))}%"

    @admin.display(description=_("by delinquency bucket"))
    def by_bucket(self, obj: CobRun):
        return _table(obj.counts.get("buckets"))

    @admin.display(description=_("by classification"))
    def by_class(self, obj: CobRun):
        return _table(obj.counts.get("classes"), dict(Classification.choices))

    @admin.display(description=_("by IFRS 9 stage"))
    def by_stage(self, obj: CobRun):
        return _table(obj.counts.get("stages"))
