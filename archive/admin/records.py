from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.forms import Textarea
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from archive.admin.collections import CuratedCollections
from archive.admin.conflicts import EditConflictAdminMixin
from archive.admin.imports import AttachmentInline, attachment_download, merge_accounts, undo_merge
from archive.admin.links import LinkStateFilter, archived_copy, last_link_check, link_check
from archive.models import (
    Account,
    Authenticity,
    Collection,
    Correction,
    DatasetRelease,
    Discrepancy,
    DiscrepancyReading,
    Event,
    Message,
    Person,
    Source,
    Thread,
)
from archive.models.collections import default_collection
from lib import personal_data
from lib.caching import forget_figures


def public_link(obj):
    if not obj.pk:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">View on site</a>', obj.get_absolute_url()
    )


public_link.short_description = "Public page"


def withhold_link(obj):
    """The way to take personal data out of a message without publishing it."""
    if not obj or not obj.pk:
        return "—"
    url = reverse("admin:archive_withholding_add") + f"?message={obj.pk}"
    return format_html(
        '<a href="{}">Withhold words of this message</a> (readers see “[withheld: reason]”; '
        "the words stay for curators)",
        url,
    )


withhold_link.short_description = "Personal data"


@admin.action(description="Publish selected records")
def publish(modeladmin, request, queryset):
    count = queryset.publish()
    forget_figures()  # update() sends no signal: every page's figures must follow now
    modeladmin.message_user(request, f"Published {count} record(s).", messages.SUCCESS)


@admin.action(description="Unpublish selected records")
def unpublish(modeladmin, request, queryset):
    count = queryset.update(is_published=False)
    forget_figures()
    modeladmin.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


class StartsUnpublished:
    """A new record starts unpublished in the admin, so a half-typed one never goes live.

    Only the admin's initial value: the model default stays, so fixtures and code that
    create records are unchanged.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "is_published":
            kwargs["initial"] = False
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class InCollectionForm(forms.ModelForm):
    """A record's collection, chosen among those the curator curates; left blank, a record
    stays where it is, and a new one goes into the site's first collection."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "authenticity" in self.fields:
            self.fields["authenticity"].required = False
        if "collection" in self.fields:
            self.fields["collection"].required = False
            self.fields[
                "collection"
            ].help_text = (
                "Blank: it stays where it is (a new record goes into the first collection)."
            )

    def clean_authenticity(self):
        """Left blank (a form that does not show it), the status stays as it is."""
        chosen = self.cleaned_data.get("authenticity")
        if chosen:
            return chosen
        return getattr(self.instance, "authenticity", "") or Authenticity.UNVERIFIED

    def clean_collection(self):
        chosen = self.cleaned_data.get("collection")
        if chosen is not None:
            return chosen
        if self.instance.pk and self.instance.collection_id:
            return self.instance.collection
        return Collection.objects.get(pk=default_collection())


class CorrectionForm(InCollectionForm):
    correction_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for the correction",
        help_text="Shown to readers in the record's list of corrections when you change its "
        "evidence (text, dates, sender, title…).",
    )
    removes_personal_data = forms.BooleanField(
        required=False,
        label="This edit removes personal data",
        help_text="A correction shows readers the words it removes. To take out a phone "
        "number, an address or a third party's private details, withhold them instead.",
    )
    publish_removed_words = forms.BooleanField(
        required=False,
        label="Publish the removed words in the correction",
        help_text="Only when what you remove is not personal data.",
    )

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk or not isinstance(self.instance, Message):
            return cleaned
        removed = removed_personal_data(self.instance, cleaned)
        if cleaned.get("removes_personal_data") or (
            removed and not cleaned.get("publish_removed_words")
        ):
            found = f" ({', '.join(removed)})" if removed else ""
            raise forms.ValidationError(
                f"This edit removes what looks like personal data{found}, and a correction "
                "would publish it in the record's list of corrections. Withhold it instead: "
                f"“Withhold words of this message” below (or manage.py withhold "
                f'{self.instance.external_id} "<the words>" --reason contact). Nothing was '
                "saved; your edit is still in the form."
            )
        return cleaned


def removed_personal_data(message, cleaned):
    """The kinds of personal data (phone numbers, e-mail addresses) that an edit of a
    message's text, summary or subject takes out."""
    kinds = set()
    for name in ("text", "summary", "subject"):
        if name not in cleaned:
            continue
        old, new = getattr(message, name) or "", cleaned.get(name) or ""
        if any(number not in new for number in personal_data.phone_numbers(old)):
            kinds.add("a phone number")
        if any(address not in new for address in personal_data.email_addresses(old)):
            kinds.add("an e-mail address")
    return sorted(kinds)


class RecordsCorrections:
    """A change to a record's evidence is kept as a public Correction, with its editor."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj else [f for f in fields if f != "correction_note"]

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.get(pk=obj.pk) if change else None
        if hasattr(obj, "authenticity") and {"authenticity", "authenticity_evidence"} & set(
            form.changed_data
        ):
            # Who set the status, and when: part of its evidence.
            obj.set_authenticity(obj.authenticity, obj.authenticity_evidence, request.user)
        super().save_model(request, obj, form, change)
        if before is None:
            return
        note = form.cleaned_data.get("correction_note", "")
        correction = Correction.record(before, obj, editor=request.user, note=note)
        if correction:
            changed = ", ".join(change["label"].lower() for change in correction.changes)
            self.message_user(
                request, f"Recorded a public correction of {obj.external_id}: {changed}."
            )
        elif note:
            self.message_user(
                request,
                "No evidence field changed, so no correction was recorded; the reason given "
                f"was not kept: “{note}”.",
                messages.WARNING,
            )


class AccountInline(admin.TabularInline):
    model = Account
    fk_name = "person"
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
    list_display = ["__str__", "external_id", "person", "platform", "names_seen"]
    list_filter = ["platform"]
    list_select_related = ["person"]
    search_fields = ["handle", "external_id", "person__name"]
    autocomplete_fields = ["person"]
    actions = [merge_accounts, undo_merge]

    def get_readonly_fields(self, request, obj=None):
        return (
            ["external_id", "display_names", "merged_from"]
            if obj
            else ["display_names", "merged_from"]
        )

    @admin.display(description="Names seen in imports")
    def names_seen(self, account):
        return ", ".join(account.display_names) or "—"


@admin.register(Source)
class SourceAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = [
        "external_id",
        "publisher",
        "title",
        "date_text",
        "kind",
        link_check,
        archived_copy,
    ]
    list_filter = [LinkStateFilter, "kind"]
    search_fields = ["external_id", "publisher", "title", "url", "archived_url", "note"]
    date_hierarchy = "published_on"

    def get_readonly_fields(self, request, obj=None):
        return ["external_id", last_link_check] if obj else []


class MessageInline(StartsUnpublished, admin.TabularInline):
    model = Message
    extra = 0
    # Both ends of the date range, so the form checks their order (one alone was a 500).
    fields = [
        "position",
        "external_id",
        "sender",
        "date_earliest",
        "date_latest",
        "text_status",
        "is_published",
    ]
    readonly_fields = ["external_id"]
    raw_id_fields = ["sender"]
    ordering = ["position"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender__person")


class ThreadAdminForm(InCollectionForm):
    pass


@admin.register(Thread)
class ThreadAdmin(CuratedCollections, EditConflictAdminMixin, admin.ModelAdmin):
    form = ThreadAdminForm
    list_display = ["title", "external_id", "collection", "message_count"]
    list_filter = ["collection"]
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

    def save_formset(self, request, form, formset, change):
        # Evidence edited in the thread's message rows is a correction too.
        before = {
            row.instance.pk: Message.objects.get(pk=row.instance.pk)
            for row in formset.forms
            if formset.model is Message and row.instance.pk and row.has_changed()
        }
        super().save_formset(request, form, formset, change)
        for row in formset.forms:
            if row.instance.pk in before and not row.cleaned_data.get("DELETE"):
                Correction.record(before[row.instance.pk], row.instance, editor=request.user)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """The public change log; the reason can be edited, what changed cannot."""

    list_display = ["__str__", "created", "editor", "changed_fields"]
    list_select_related = ["message", "event", "editor"]
    search_fields = ["message__external_id", "event__external_id", "note"]
    date_hierarchy = "created"
    fields = ["message", "event", "created", "editor", "changes", "note"]
    readonly_fields = ["message", "event", "created", "editor", "changes"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Changed")
    def changed_fields(self, obj):
        return ", ".join(change["label"] for change in obj.changes)


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


class MessageAdminForm(CorrectionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A taken position is an insertion, not a refusal: curators put a message between two
        # others, and the admin says which messages moved (and warns if the dates disagree).
        self.instance.make_room_on_save = True
        if "position" in self.fields:
            self.fields["position"].help_text = (
                "Order in the thread (1 = first). If another message holds this position, it "
                "and every later message move down one place."
            )


@admin.register(Message)
class MessageAdmin(
    CuratedCollections,
    EditConflictAdminMixin,
    StartsUnpublished,
    RecordsCorrections,
    admin.ModelAdmin,
):
    collection_path = "thread__collection"
    form = MessageAdminForm
    list_display = [
        "external_id",
        "sender",
        "channel",
        "date_display",
        "text_status",
        "reply_to",
        "is_published",
    ]
    list_filter = [
        "is_published",
        "channel",
        "text_status",
        "authenticity",
        "import_batch",
        "thread",
        "sender__person",
    ]
    list_select_related = ["sender__person", "in_reply_to", "thread"]
    search_fields = ["external_id", "text", "summary", "time_note"]
    date_hierarchy = "date_earliest"
    autocomplete_fields = ["thread", "sender", "recipients", "in_reply_to", "sources"]
    actions = [publish, unpublish]
    inlines = [MessageDiscrepancyInline]

    def get_inlines(self, request, obj):
        # Only imported messages have attachments (read-only, listed for download).
        if obj is not None and obj.import_batch_id:
            return [*self.inlines, AttachmentInline]
        return self.inlines

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
                    "noindex",
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
        ("Authenticity", {"fields": ["authenticity", "authenticity_evidence"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj and obj.import_batch_id:
            fieldsets = [
                *fieldsets,
                (
                    "Provenance (read-only)",
                    {"fields": ["import_batch", "original_id", "original_display"]},
                ),
            ]
        correction = ["correction_note", "removes_personal_data", "publish_removed_words"]
        return (
            [*fieldsets, ("Correction", {"fields": [*correction, withhold_link]})]
            if obj
            else (fieldsets)
        )

    def get_readonly_fields(self, request, obj=None):
        derived = ["response_latency_display", public_link, withhold_link]
        provenance = ["import_batch", "original_id", "original_display"]
        return ["external_id", *derived, *provenance] if obj else derived

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj and obj.import_batch_id and "sources" in form.base_fields:
            # An imported message's source is its batch (shown under Provenance).
            form.base_fields["sources"].required = False
        return form

    @admin.display(description="Original, as in the file")
    def original_display(self, obj):
        import json

        if obj.original is None:
            return "—"
        return format_html(
            '<pre style="white-space: pre-wrap; max-height: 30em; overflow: auto">{}</pre>',
            json.dumps(obj.original, indent=2, ensure_ascii=False),
        )

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "attachments/<int:pk>/download/",
                self.admin_site.admin_view(attachment_download),
                name="archive_attachment_download",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        moved = getattr(obj, "moved_down", None)
        if moved:
            self.message_user(
                request,
                f"Made room at position {obj.position}: {', '.join(moved)} moved down one place.",
            )
        for conflict in obj.order_conflicts():
            self.message_user(
                request,
                f"Check the order: {obj.external_id} is at position {obj.position}, dated "
                f"{obj.date_display}, but {conflict}.",
                messages.WARNING,
            )
        self._report_anchors(request, obj)

    def _report_anchors(self, request, obj):
        """Tell the curator which notes' quotes the text correction moved or lost."""
        for lost, verb in ((True, "lost the quoted words of"), (False, "moved the quotes of")):
            notes = [note for note in obj.anchor_report if note["lost"] == lost]
            if notes:
                listed = "; ".join(
                    f"{note['author']}: “{Truncator(note['quote']).chars(60)}”" for note in notes
                )
                self.message_user(
                    request,
                    f"The text correction {verb} {len(notes)} note(s) ({listed}). "
                    "Their authors see a notice on those notes.",
                    messages.WARNING,
                )

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


class EventAdminForm(CorrectionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (
            "slug" in self.fields
        ):  # the add form: the slug is made the one way (archive.models.slugs)
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Leave empty: it is made from the id and the title."


@admin.register(Event)
class EventAdmin(
    CuratedCollections,
    EditConflictAdminMixin,
    StartsUnpublished,
    RecordsCorrections,
    admin.ModelAdmin,
):
    form = EventAdminForm
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


@admin.register(DatasetRelease)
class DatasetReleaseAdmin(admin.ModelAdmin):
    """Releases are made by `manage.py release_dataset` and never changed: read-only here."""

    list_display = ["version", "date", "licence", "file_name", "size", "sha256"]
    search_fields = ["version", "sha256"]
    date_hierarchy = "date"
    readonly_fields = [
        "version",
        "date",
        "licence",
        "file_name",
        "size",
        "sha256",
        "counts",
        "created",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return obj.get_absolute_url()
