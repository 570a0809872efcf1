from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html

from .admin_conflicts import EditConflictAdminMixin
from .models import (
    Account,
    Discrepancy,
    DiscrepancyReading,
    Event,
    Message,
    Person,
    Source,
    Thread,
)


def public_link(obj):
    if not obj.pk:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">View on site</a>', obj.get_absolute_url()
    )


public_link.short_description = "Public page"


@admin.action(description="Publish selected records")
def publish(modeladmin, request, queryset):
    count = queryset.update(is_published=True)
    modeladmin.message_user(request, f"Published {count} record(s).", messages.SUCCESS)


@admin.action(description="Unpublish selected records")
def unpublish(modeladmin, request, queryset):
    count = queryset.update(is_published=False)
    modeladmin.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    fields = ["external_id", "platform", "handle", "note"]


@admin.register(Person)
class PersonAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["name", "external_id", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "external_id", "description"]
    inlines = [AccountInline]
    readonly_fields = [public_link]

    def get_readonly_fields(self, request, obj=None):
        return ["external_id", public_link] if obj else [public_link]


@admin.register(Account)
class AccountAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "external_id", "person", "platform"]
    list_filter = ["platform"]
    list_select_related = ["person"]
    search_fields = ["handle", "external_id", "person__name"]
    autocomplete_fields = ["person"]

    def get_readonly_fields(self, request, obj=None):
        return ["external_id"] if obj else []


@admin.register(Source)
class SourceAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["external_id", "publisher", "title", "date_text", "kind"]
    list_filter = ["kind"]
    search_fields = ["external_id", "publisher", "title", "url", "note"]
    date_hierarchy = "published_on"

    def get_readonly_fields(self, request, obj=None):
        return ["external_id"] if obj else []


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["position", "external_id", "sender", "date_earliest", "text_status", "is_published"]
    readonly_fields = ["external_id"]
    raw_id_fields = ["sender"]
    ordering = ["position"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender__person")


@admin.register(Thread)
class ThreadAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["title", "external_id", "message_count"]
    search_fields = ["title", "external_id"]
    filter_horizontal = ["participants"]
    inlines = [MessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(message_total=Count("messages"))

    @admin.display(ordering="message_total", description="Messages")
    def message_count(self, obj):
        return obj.message_total

    def get_readonly_fields(self, request, obj=None):
        return ["external_id", public_link] if obj else []


class DiscrepancyReadingInline(admin.TabularInline):
    model = DiscrepancyReading
    extra = 1
    autocomplete_fields = ["source"]


class MessageDiscrepancyInline(admin.StackedInline):
    model = Discrepancy
    fk_name = "message"
    fields = ["external_id", "field", "note"]
    extra = 0
    show_change_link = True


@admin.register(Message)
class MessageAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = [
        "external_id",
        "sender",
        "channel",
        "date_display",
        "text_status",
        "reply_to",
        "is_published",
    ]
    list_filter = ["is_published", "channel", "text_status", "thread", "sender__person"]
    list_select_related = ["sender__person", "in_reply_to", "thread"]
    search_fields = ["external_id", "text", "summary", "time_note"]
    date_hierarchy = "date_earliest"
    autocomplete_fields = ["thread", "sender", "recipients", "in_reply_to", "sources"]
    actions = [publish, unpublish]
    inlines = [MessageDiscrepancyInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "external_id",
                    "thread",
                    "position",
                    "channel",
                    "sender",
                    "recipients",
                    "in_reply_to",
                    "is_published",
                    public_link,
                ]
            },
        ),
        ("Text", {"fields": ["text", "text_status", "summary", "curator_note", "links"]}),
        (
            "Time",
            {
                "fields": [
                    "date_earliest",
                    "date_latest",
                    "sent_at",
                    "sent_at_timezone",
                    "sent_at_timezone_inferred",
                    "time_note",
                    "reported_delay",
                    "response_latency_display",
                ]
            },
        ),
        ("Sources", {"fields": ["sources"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        derived = ["response_latency_display", public_link]
        return ["external_id", *derived] if obj else derived

    @admin.display(description="Date", ordering="date_earliest")
    def date_display(self, obj):
        return obj.date_display

    @admin.display(description="In reply to", ordering="in_reply_to__external_id")
    def reply_to(self, obj):
        return obj.in_reply_to.external_id if obj.in_reply_to_id else ""

    @admin.display(description="Response latency")
    def response_latency_display(self, obj):
        latency = obj.response_latency if obj.pk else None
        return latency.label if latency else "—"


@admin.register(Event)
class EventAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["external_id", "title", "kind", "date_display", "is_published"]
    list_filter = ["is_published", "kind"]
    search_fields = ["external_id", "title", "description"]
    date_hierarchy = "date_earliest"
    autocomplete_fields = ["participants", "messages", "sources"]
    actions = [publish, unpublish]

    def get_readonly_fields(self, request, obj=None):
        return ["external_id", "slug", public_link] if obj else [public_link]

    @admin.display(description="Date", ordering="date_earliest")
    def date_display(self, obj):
        return obj.date_display


@admin.register(Discrepancy)
class DiscrepancyAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["external_id", "field", "message", "event"]
    list_filter = ["field"]
    list_select_related = ["message__sender__person", "event"]
    search_fields = ["external_id", "note", "message__external_id", "event__external_id"]
    autocomplete_fields = ["message", "event"]
    inlines = [DiscrepancyReadingInline]

    def get_readonly_fields(self, request, obj=None):
        return ["external_id"] if obj else []
