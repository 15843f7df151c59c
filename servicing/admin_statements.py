"""Admin console for bank statements: the upload page, the imports, and the lines with the
suspense queue (lines in suspense, each assigned to a loan or returned to the payer).

Nothing is edited in a form: the upload calls `servicing.statements.import_statement`, and each
suspense line has two buttons whose forms call `suspense_assign` / `suspense_return`, which
check the permissions, lock the line and record who did what.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loanhub.admin_labels import code_column
from loanhub.admin_pagination import KeysetPaginationMixin
from loanhub.errors import DomainError, Invalid
from loanhub.permissions import may
from servicing import statements
from servicing.choices import StatementLineStatus
from servicing.models import StatementImport, StatementLine

RESOLVE_PERMISSION = "servicing.change_statementline"


def _error_text(exc: DomainError) -> str:
    if exc.errors:
        return " ".join(str(m) for messages_ in exc.errors.values() for m in messages_)
    return str(exc.message or exc)


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (CSV)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The column names and encodings as the identifiers they are, in the page's language.
        names = ("value_date", "amount", "reference", "counterparty", "transaction_id", "UTF-8", "GB18030")
        codes = {name.replace("-", ""): format_html("<code>{}</code>", name) for name in names}
        self.fields["file"].help_text = mark_safe(  # noqa: S308  (escaped text, escaped codes)
            conditional_escape(
                gettext(
                    "Columns %(value_date)s, %(amount)s, %(reference)s (or 交易日期, 金额, 附言/摘要), "
                    "optionally %(counterparty)s and %(transaction_id)s (对方户名, 流水号); %(UTF8)s or "
                    "%(GB18030)s. A line is posted to the loan whose number (L and 8 digits) its "
                    "reference contains; the others wait in the suspense queue. A file imported again "
                    "posts nothing twice."
                )
            )
            % codes
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.LOANHUB_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than %(n)s bytes.") % {"n": settings.LOANHUB_UPLOAD_MAX_BYTES}
            )
        return upload


@admin.register(StatementImport)
class StatementImportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "file_name_code",
        "uploaded_at",
        "uploaded_by",
        "line_count",
        "posted",
        "duplicates",
        "unmatched",
        "errors",
        "same_file_as",
        "lines_link",
    )
    list_select_related = ("uploaded_by", "same_file_as")
    search_fields = ("file_name", "sha256")
    date_hierarchy = "uploaded_at"
    fields = (
        "file_name_code",
        "sha256_code",
        "encoding_code",
        "same_file_as",
        "uploaded_by",
        "uploaded_at",
        "line_count",
        "posted",
        "duplicates",
        "unmatched",
        "errors",
        "lines_link",
    )
    readonly_fields = fields
    change_list_template = "admin/servicing/statementimport/change_list.html"

    # The file's name, digest and encoding are identifiers, shown as such.
    file_name_code = code_column(StatementImport, "file_name")
    sha256_code = code_column(StatementImport, "sha256")
    encoding_code = code_column(StatementImport, "encoding")

    def has_add_permission(self, request):
        return may(request.user, statements.IMPORT_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("lines"))
    def lines_link(self, obj):
        url = reverse("admin:servicing_statementline_changelist")
        return format_html(
            '<a href="{}?statement_import__id__exact={}">{}</a>', url, obj.pk, gettext("lines")
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "upload_form": StatementUploadForm() if self.has_add_permission(request) else None,
            "suspense_count": StatementLine.objects.filter(status=StatementLineStatus.SUSPENSE).count(),
            "suspense_url": reverse("admin:servicing_statementline_changelist")
            + f"?status__exact={StatementLineStatus.SUSPENSE}",
        }
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        """The upload page: the file is imported by `statements.import_statement`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    statement = statements.import_statement(
                        data=upload.read(), file_name=upload.name, actor=request.user
                    )
                except Invalid as exc:
                    form.add_error("file", _error_text(exc))
                else:
                    self._imported_message(request, statement)
                    return HttpResponseRedirect(
                        reverse("admin:servicing_statementimport_change", args=[statement.pk])
                    )
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import a bank statement"),
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(
            request, "admin/servicing/statementimport/upload.html", context, status=status
        )

    def _imported_message(self, request, statement: StatementImport) -> None:
        counts = statement.counts
        text = gettext(
            "%(import)s: %(lines)s lines, %(posted)s posted, %(duplicates)s duplicates, "
            "%(unmatched)s in suspense, %(errors)s errors."
        ) % {"import": statement, **counts}
        if statement.same_file_as_id:
            text += " " + gettext("The same file was imported before as %(earlier)s.") % {
                "earlier": statement.same_file_as
            }
        level = messages.WARNING if counts["unmatched"] or counts["errors"] else messages.SUCCESS
        self.message_user(request, text, level)


@admin.register(StatementLine)
class StatementLineAdmin(KeysetPaginationMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "value_date",
        "amount",
        "reference",
        "counterparty",
        "status",
        "message",
        "loan",
        "repayment",
        "resolution",
        "resolve_links",
    )
    list_filter = ("status", "resolution")
    list_select_related = ("loan", "repayment")
    ordering = ("-id",)  # the key the changelist pages by
    search_help_text = _("A loan number (L and 8 digits) or a bank transaction id.")
    search_fields = ("transaction_id",)
    fields = (
        "statement_import",
        "line_number",
        "value_date",
        "amount",
        "reference",
        "counterparty",
        "transaction_id",
        "external_id_code",
        "status",
        "message",
        "loan",
        "repayment",
        "duplicate_of",
        "resolution",
        "resolution_note",
        "resolved_at",
        "resolved_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("external id"))
    def external_id_code(self, obj):
        return format_html("<code>{}</code>", obj.external_id)  # the deduplication key

    def get_sortable_by(self, request):
        return ()

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        if re.fullmatch(r"L\d{8}", term):
            return queryset.filter(loan__number=term), False
        return queryset.filter(transaction_id=search_term.strip()), False

    def _may_resolve(self, request) -> bool:
        return may(request.user, RESOLVE_PERMISSION, statements.IMPORT_PERMISSION)

    @admin.display(description=_("resolve"))
    def resolve_links(self, obj):
        if obj.status != StatementLineStatus.SUSPENSE:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:servicing_statementline_resolve", args=[obj.pk, "assign"]),
            gettext("Assign to a loan"),
            reverse("admin:servicing_statementline_resolve", args=[obj.pk, "return"]),
            gettext("Return to the payer"),
        )

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self._may_resolve(request) else tuple(f for f in shown if f != "resolve_links")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        line = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if line is not None and line.status == StatementLineStatus.SUSPENSE and self._may_resolve(request):
            extra_context["resolve_actions"] = [
                (reverse("admin:servicing_statementline_resolve", args=[line.pk, a]), label)
                for a, label in (("assign", _("Assign to a loan")), ("return", _("Return to the payer")))
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/resolve/<str:action>/",
                self.admin_site.admin_view(self.resolve_view),
                name="servicing_statementline_resolve",
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request, pk: int, action: str):
        line = get_object_or_404(StatementLine.objects.select_related("statement_import"), pk=pk)
        if action not in ("assign", "return") or not self._may_resolve(request):
            raise PermissionDenied
        change_url = reverse("admin:servicing_statementline_change", args=[pk])
        values = {"loan": "", "note": ""}
        error = ""
        if request.method == "POST":
            values = {name: request.POST.get(name, "").strip() for name in values}
            try:
                if action == "assign":
                    line = statements.suspense_assign(
                        line=line, loan=values["loan"], actor=request.user, note=values["note"]
                    )
                    done = gettext("%(line)s posted to %(loan)s as %(repayment)s.") % {
                        "line": line,
                        "loan": line.loan,
                        "repayment": line.repayment,
                    }
                else:
                    line = statements.suspense_return(line=line, reason=values["note"], actor=request.user)
                    done = gettext("%(line)s recorded as returned to the payer.") % {"line": line}
            except Invalid as exc:
                error = _error_text(exc)
            except DomainError as exc:
                self.message_user(request, _error_text(exc), messages.ERROR)
                return HttpResponseRedirect(change_url)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": line,
            "title": gettext("Assign to a loan") if action == "assign" else gettext("Return to the payer"),
            "action": action,
            "values": values,
            "error": error,
        }
        return TemplateResponse(
            request, "admin/servicing/statementline/resolve.html", context, status=400 if error else 200
        )
