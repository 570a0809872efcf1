"""The notes section every record page composes: its notes a page at a time, their
highlights in the text, the form, and note counts for lists."""

import uuid

from django.core.paginator import Paginator
from django.db.models import Q

from annotations.forms import AnnotationForm, SourceLinkFormSet
from annotations.highlighting import segments
from annotations.models import Annotation

NOTES_PER_PAGE = 20


def notes_context(request, visible_notes):
    """One page of a record's notes, newest first: ?notes=N for a page, ?note=<uuid> for the
    page that holds that note. A record with thousands of notes stays one bounded page."""
    ordered = visible_notes.order_by("-created", "-pk")
    number = request.GET.get("notes")
    wanted = _uuid_or_none(request.GET.get("note"))
    if wanted:
        place = ordered.filter(uuid=wanted).values("created", "pk").first()
        if place:
            newer = ordered.filter(
                Q(created__gt=place["created"]) | Q(created=place["created"], pk__gt=place["pk"])
            ).count()
            number = newer // NOTES_PER_PAGE + 1
    page = Paginator(ordered.for_list(), NOTES_PER_PAGE).get_page(number)
    page.object_list = list(page.object_list)
    return {"notes": page.object_list, "notes_page": page}


def _uuid_or_none(value):
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def highlights(text, visible_notes, notes_page):
    """The text's segments with every visible note's quote marked; a highlight leads to the
    newest note on those words, on this page or on the page that holds it."""
    on_page = {note.pk for note in notes_page.object_list}
    if notes_page.has_other_pages():
        # Only the quotes' places are needed from the notes on other pages.
        quoting = (
            visible_notes.exclude(quote_exact="")
            .filter(is_orphaned=False, quote_start__isnull=False, quote_end__isnull=False)
            .order_by("-created", "-pk")
            .only("uuid", "message", "quote_exact", "quote_start", "quote_end", "is_orphaned")
        )
    else:
        quoting = notes_page.object_list
    result = segments(text, quoting)
    for segment in result:
        if segment.first is not None:
            fragment = f"#annotation-{segment.first.uuid}"
            segment.first.href = (
                fragment if segment.first.pk in on_page else f"?note={segment.first.uuid}{fragment}"
            )
    return result


def annotation_form_context(request, **target):
    """The blank annotate form a signed-in researcher sees under a record."""
    if not request.user.is_authenticated:
        return {}
    blank = Annotation(author=request.user, **target)
    return {
        "form": AnnotationForm(instance=blank, user=request.user),
        "links": SourceLinkFormSet(instance=blank, prefix="links"),
    }


def attach_annotation_counts(request, messages=(), events=()):
    """Set annotation_count on each record: visible annotations only, one query per kind."""
    visible = Annotation.objects.visible_to(request.user)
    visible.attach_counts(list(messages))
    visible.attach_counts(list(events))
