"""Admin: message templates are edited here; the sent-message log is read-only (no addresses)."""

from django.contrib import admin

from loanhub.admin_readonly import ReadOnlyAdminMixin
from notifications.models import Message, MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "subject_zh", "subject_en")
    search_fields = ("key",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "user", "channel", "state", "optional", "created_at", "sent_at", "send_after")
    list_filter = ("channel", "state", "optional")
    # The address (e-mail or phone) is personal data: never shown here.
    fields = (
        "user",
        "channel",
        "dedupe_key",
        "language",
        "subject",
        "body",
        "optional",
        "state",
        "created_at",
        "send_after",
        "sent_at",
        "read_at",
        "attempts",
        "last_error",
    )
    raw_id_fields = ("user",)
