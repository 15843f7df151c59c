"""Admin: message templates are edited here; the sent-message log is read-only (no addresses)."""

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from loanhub.admin_language import english_column
from loanhub.admin_readonly import ReadOnlyAdminMixin
from notifications.models import Message, MessageTemplate


def _code(value):
    return format_html("<code>{}</code>", value) if value else "-"


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key_code", "subject_zh", "subject_en_english")
    search_fields = ("key",)
    subject_en_english = english_column(MessageTemplate, "subject_en")

    @admin.display(description=_("key"), ordering="key")
    def key_code(self, obj):
        return _code(obj.key)  # the name the services send it by


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "user", "channel", "state", "optional", "created_at", "sent_at", "send_after")
    list_filter = ("channel", "state", "optional")
    # The address (e-mail or phone) is personal data: never shown here.
    fields = (
        "user",
        "channel",
        "dedupe_key_code",
        "language_name",
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

    @admin.display(description=_("dedupe key"))
    def dedupe_key_code(self, obj):
        return _code(obj.dedupe_key)

    @admin.display(description=_("language"))
    def language_name(self, obj):
        return dict(settings.LANGUAGES).get(obj.language, obj.language)
