from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.forms import Textarea
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join

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


class ReadingsFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)
        ]
        if len(kept) < Discrepancy.MIN_READINGS:
            raise ValidationError(
                "A discrepancy needs at least two readings, one from each source that disagrees "
                f"(this one would have {len(kept)}). Add the other source's reading, or delete "
                "the discrepancy."
            )


class DiscrepancyReadingInline(admin.TabularInline):
    model = DiscrepancyReading
    formset = ReadingsFormSet
    autocomplete_fields = ["source"]

    def get_extra(self, request, obj=None, **kwargs):
        return Discrepancy.MIN_READINGS if obj is None else 1


class RecordDiscrepancyInline(admin.TabularInline):
    """A message's or event's discrepancies, readings shown; each is added and its readings
    edited on the discrepancy's own page (Django has no nested inlines), where two are required."""

    model = Discrepancy
    fields = ["external_id", "field", "readings_display", "note"]
    readonly_fields = ["external_id", "readings_display"]
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 4, "cols": 40})}}
    extra = 0
    show_change_link = True
    template = "admin/archive/record_discrepancy_inline.html"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # str() of a row names its record; readings are listed per row.
        return (
            super()
            .get_queryset(request)
            .select_related("message", "event")
            .prefetch_related("readings__source")
        )

    @admin.display(description="Readings")
    def readings_display(self, obj):
        readings = list(obj.readings.all())
        items = format_html_join(
            "",
            "<li>{} ({}){}</li>",
            (
                (r.reading, r.source.external_id, " — followed" if r.is_preferred else "")
                for r in readings
            ),
        )
        warning = ""
        if len(readings) < Discrepancy.MIN_READINGS:
            warning = format_html(
                '<p class="errornote">{}</p>',
                "Not shown on the public page: it needs at least two readings.",
            )
        return format_html("<ul>{}</ul>{}", items, warning)


class MessageDiscrepancyInline(RecordDiscrepancyInline):
    fk_name = "message"


class EventDiscrepancyInline(RecordDiscrepancyInline):
    fk_name = "event"


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
    inlines = [EventDiscrepancyInline]

    def get_readonly_fields(self, request, obj=None):
        return ["external_id", "slug", public_link] if obj else [public_link]

    @admin.display(description="Date", ordering="date_earliest")
    def date_display(self, obj):
        return obj.date_display


@admin.register(Discrepancy)
class DiscrepancyAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ["external_id", "field", "message", "event", "reading_count"]
    list_filter = ["field"]
    list_select_related = ["message__sender__person", "event"]
    search_fields = ["external_id", "note", "message__external_id", "event__external_id"]
    autocomplete_fields = ["message", "event"]
    inlines = [DiscrepancyReadingInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reading_total=Count("readings"))

    @admin.display(description="Readings", ordering="reading_total")
    def reading_count(self, obj):
        return obj.reading_total

    def get_readonly_fields(self, request, obj=None):
        return ["external_id"] if obj else []
