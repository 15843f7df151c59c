"""The officer console for repayments (registered by `servicing.admin`).

A list with the allocation of every repayment and a read-only page with its lines by installment.
Nothing is saved from a model form: "Add" is the officer's entry of money received at a branch or
by transfer, a form that calls `servicing.repayments.repayment_post`; "Reverse" asks for a reason
and calls `repayment_reverse`, which replays the loan without the payment.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loanhub.admin_pagination import KeysetPaginationMixin
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.permissions import may
from servicing import repayments
from servicing.choices import RepaymentStatus
from servicing.forms import RepaymentEntryForm, RepaymentReverseForm, add_service_errors
from servicing.models import Loan, Repayment


class RepaymentEntryMixin:
    """The officer's repayment entry and reversal: forms that call the repayment services."""

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {}
        if request.GET.get("loan", "").isdigit():
            loan = Loan.objects.filter(pk=int(request.GET["loan"])).only("number").first()
            initial["loan"] = loan.number if loan else ""
        form = RepaymentEntryForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                repayment = repayments.repayment_post(
                    loan=data["loan"],
                    amount=data["amount"],
                    value_date=data["value_date"],
                    reference=data["reference"],
                    channel=data["channel"],
                    actor=request.user,
                )
            except Invalid as exc:
                add_service_errors(form, exc)
            except (Conflict, Forbidden, NotFound) as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    _("%(repayment)s of %(amount)s for %(loan)s is posted.")
                    % {"repayment": repayment, "amount": repayment.amount, "loan": data["loan"]},
                )
                return HttpResponseRedirect(reverse("admin:servicing_repayment_change", args=[repayment.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Record a repayment"),
            "form": form,
        }
        return TemplateResponse(request, "admin/servicing/repayment/entry_form.html", context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/reverse/",
                self.admin_site.admin_view(self.reverse_view),
                name="servicing_repayment_reverse",
            ),
            *super().get_urls(),
        ]

    def reverse_view(self, request, pk: int):
        repayment = get_object_or_404(Repayment.objects.select_related("loan"), pk=pk)
        if not may(request.user, "servicing.change_repayment"):
            raise PermissionDenied
        change_url = reverse("admin:servicing_repayment_change", args=[pk])
        form = RepaymentReverseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                repayments.repayment_reverse(
                    repayment=repayment, reason=form.cleaned_data["reason"], actor=request.user
                )
            except Invalid as exc:
                add_service_errors(form, exc)
            except (Conflict, Forbidden) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(change_url)
            else:
                self.message_user(request, _("%(repayment)s is reversed.") % {"repayment": repayment})
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": repayment,
            "title": _("Reverse a repayment"),
            "form": form,
        }
        return TemplateResponse(request, "admin/servicing/repayment/reverse_form.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        repayment = self.get_object(request, object_id)
        extra_context["can_reverse"] = bool(
            repayment is not None
            and repayment.status == RepaymentStatus.POSTED
            and may(request.user, "servicing.change_repayment")
        )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Repayment)
class RepaymentAdmin(RepaymentEntryMixin, KeysetPaginationMixin, admin.ModelAdmin):
    change_form_template = "admin/servicing/repayment/change_form.html"
    list_display = (
        "__str__",
        "loan",
        "value_date",
        "amount",
        "channel",
        "status",
        "fees",
        "penalty",
        "interest",
        "principal",
        "overpayment",
        "poster",
    )
    list_filter = ("status", "channel")
    search_fields = ("=loan__number", "=reference", "=external_id")
    search_help_text = _("A loan number, or an exact reference or external id.")
    list_select_related = ("loan", "posted_by")
    list_per_page = 50
    ordering = ("-id",)
    fields = (
        "loan",
        "amount",
        "value_date",
        "channel",
        "reference",
        "external_id",
        "status",
        "fees",
        "penalty",
        "interest",
        "principal",
        "overpayment",
        "allocation_table",
        "posted_at",
        "poster",
        "reversed_at",
        "reverser",
        "reversal_reason",
    )
    readonly_fields = fields

    def get_sortable_by(self, request):
        return ()

    def has_add_permission(self, request):
        return may(request.user, "servicing.add_repayment")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # The user columns have no verbose name in the model; these label them in the console's language.
    @admin.display(description=_("posted by"))
    def poster(self, obj):
        return obj.posted_by or "-"

    @admin.display(description=_("reversed by"))
    def reverser(self, obj):
        return obj.reversed_by or "-"

    @admin.display(description=_("allocation by installment"))
    def allocation_table(self, obj):
        if not obj.allocation_lines:
            return "-"
        labels = {"fees": _("fees"), "penalty": _("penalty interest"), "interest": _("interest")}
        labels["principal"] = _("principal")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((number, labels.get(part, part), amount) for number, part, amount in obj.allocation_lines),
        )
        return format_html(
            '<table class="allocation-lines"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("installment"),
            _("component"),
            _("amount"),
            rows,
        )
