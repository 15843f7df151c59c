"""Officer console for customer groups (集团客户/关联客户): Loan Officers create a group and list
its members by customer number; auditors and analysts read them. Members are shown by customer
number, name, type and region only (never identity or phone numbers); every change goes through
`customers.groups`, which checks the role and records an event on each customer."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from customers import groups
from customers.models import Customer, CustomerGroup
from loanhub.admin_history import ReadOnlyHistoryAdmin
from loanhub.admin_readonly import ReadOnlyTabularInline
from loanhub.errors import DomainError


class CustomerGroupForm(forms.ModelForm):
    member_numbers = forms.CharField(
        label=_("group members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Customer numbers such as C0000042, one per line."),
    )

    class Meta:
        model = CustomerGroup
        fields = ("code", "name", "kind")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["member_numbers"] = "\n".join(str(c) for c in self.instance.members.order_by("pk"))

    def clean_member_numbers(self):
        try:
            return groups.parse_customer_numbers(self.cleaned_data["member_numbers"])
        except DomainError as exc:
            raise forms.ValidationError(exc.errors["members"]) from exc


class MemberInline(ReadOnlyTabularInline):
    model = Customer
    fk_name = "group"
    fields = ("number", "legal_name", "customer_type", "region")
    readonly_fields = fields
    verbose_name = _("member")
    verbose_name_plural = _("group members")

    @admin.display(description=_("customer"))
    def number(self, obj):
        return str(obj)


@admin.register(CustomerGroup)
class CustomerGroupAdmin(ReadOnlyHistoryAdmin):
    form = CustomerGroupForm
    list_display = ("code", "name", "kind", "member_count", "created_at")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    inlines = (MemberInline,)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()  # concentration limits name it

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj):
        return obj.n_members

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a refused membership undoes a new group too
                if change:
                    group = groups.customer_group_rename(
                        group=obj, actor=request.user, name=data["name"], kind=data["kind"]
                    )
                else:
                    group = groups.customer_group_create(
                        actor=request.user, code=data["code"], name=data["name"], kind=data["kind"]
                    )
                groups.customer_group_set_members(
                    group=group, customer_ids=data["member_numbers"], actor=request.user
                )
        except DomainError as exc:
            text = "; ".join(str(m) for ms in (exc.errors or {}).values() for m in ms) or exc.detail
            self.message_user(request, text, messages.ERROR)
            return
        obj.pk = group.pk

    def save_related(self, request, form, formsets, change):
        """The member rows are read-only (membership changes through the service above): nothing
        of them is saved, and the change message lists none."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
