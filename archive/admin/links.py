"""The admin's view of link rot: a "link status" filter and columns for any model with link
check fields (archive.Source, annotations.SourceLink), so curators find dead links and see at
once whether an archived copy stands in for them."""

from django.contrib import admin
from django.utils import dateformat, timezone
from django.utils.html import format_html

from archive.models.links import LinkState


class LinkStateFilter(admin.SimpleListFilter):
    title = "link status"
    parameter_name = "link_status"

    def lookups(self, request, model_admin):
        return LinkState.choices

    def queryset(self, request, queryset):
        if self.value() in LinkState.values:
            return queryset.with_link_state(self.value())
        return queryset


def _when(moment):
    return dateformat.format(timezone.localtime(moment), "j M Y")


@admin.display(description="Link")
def link_check(obj):
    """'Dead: 404 (checked 3 Nov 2026)', the address linked."""
    state = obj.link_state
    if state == LinkState.UNCHECKED:
        summary = "Not checked"
    else:
        summary = f"{state.label}: {obj.link_outcome} (checked {_when(obj.link_checked_at)})"
    link = format_html(
        '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', obj.url, summary
    )
    return format_html("<strong>{}</strong>", link) if state == LinkState.DEAD else link


@admin.display(description="Archived copy")
def archived_copy(obj):
    if not obj.archived_url:
        return "none"
    return format_html(
        '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
        obj.archived_url,
        obj.archived_url,
    )


@admin.display(description="Last link check")
def last_link_check(obj):
    """The change form's read-only account of the last check."""
    if obj.link_state == LinkState.UNCHECKED:
        if obj.link_checked_at is not None:
            return "Not checked since the address was changed."
        return "Not checked yet (manage.py check_links)."
    parts = [f"{obj.link_state.label}: {obj.link_outcome}, checked {_when(obj.link_checked_at)}."]
    if obj.link_failures:
        parts.append(f"{obj.link_failures} failed check(s) in a row.")
    return " ".join(parts)
