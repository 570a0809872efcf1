"""The review of personal data in the admin: the hits patterns found (archive/models/
personal_data.py), withheld or kept in one action each, and the curators' lexicon."""

from django.contrib import admin, messages
from django.utils.html import format_html

from archive.admin.collections import CuratedCollections
from archive.models import PersonalDataHit, SensitiveTerm
from archive.models.personal_data import decide


@admin.register(SensitiveTerm)
class SensitiveTermAdmin(admin.ModelAdmin):
    list_display = ["term", "note", "added_by", "created"]
    search_fields = ["term", "note"]
    fields = ["term", "note"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


def _decide(modeladmin, request, queryset, decision, said):
    decided, problems = decide(list(queryset.select_related("message")), decision, request.user)
    modeladmin.message_user(request, f"{said} {decided} hit(s).", messages.SUCCESS)
    for problem in problems:
        modeladmin.message_user(request, problem, messages.WARNING)


@admin.action(description="Withhold the selected (readers see “[withheld: …]”)")
def withhold_hits(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, PersonalDataHit.Decision.WITHHELD, "Withheld")


@admin.action(description="Keep the selected (they may be published)")
def keep_hits(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, PersonalDataHit.Decision.KEPT, "Kept")


@admin.register(PersonalDataHit)
class PersonalDataHitAdmin(CuratedCollections, admin.ModelAdmin):
    collection_path = "message__thread__collection"
    list_display = ["found", "kind", "message_link", "field", "decision", "decided_by",
                    "decided_at"]  # fmt: skip
    list_filter = ["decision", "kind", "field", "message__import_batch"]
    list_select_related = ["message", "decided_by"]
    search_fields = ["words", "message__external_id"]
    actions = [withhold_hits, keep_hits]
    readonly_fields = ["message", "field", "kind", "words", "start", "context", "decision",
                       "decided_by", "decided_at", "withholding", "found_at"]  # fmt: skip

    @admin.display(description="Found, in its context")
    def found(self, hit):
        offset = hit.context.find(hit.words)
        if offset == -1:
            return hit.words
        return format_html(
            "…{}<mark>{}</mark>{}…",
            hit.context[:offset],
            hit.words,
            hit.context[offset + len(hit.words) :],
        )

    @admin.display(description="Message", ordering="message__external_id")
    def message_link(self, hit):
        return hit.message.external_id

    def has_add_permission(self, request):
        return False  # found by the review, never typed

    def has_change_permission(self, request, obj=None):
        # Decided through the actions; the change page is the hit's record.
        return obj is None and request.user.has_perm("archive.change_message")
