"""Whole filtered sets as files from the API: /api/exports/<kind>.<csv|json> (notes also as
jsonld and markdown). The same FilterSets and query parameters as the API's lists and the HTML
pages, and the same export code as the pages' download links (archive/exports/files.py,
annotations/exports.py); the API's own lists stay paged JSON."""

from django.http import Http404

from annotations.exports import NOTE_FORMATS, notes_response
from annotations.filters import AnnotationFilter
from annotations.models import Annotation
from archive.exports import files as exports
from archive.filters import EventFilter, MessageFilter, PersonFilter, SourceFilter
from archive.models import Event, Message, Person

RECORD_FORMATS = ("csv", "json")


def _records(kind, request):
    """(export, FilterSet over the rows a download of this kind reads), as the pages do."""
    if kind == "messages":
        rows = Message.objects.public().newest_first()
        return exports.MESSAGES, MessageFilter(request.GET, queryset=rows, request=request)
    if kind == "events":
        rows = Event.objects.public().chronological()
        return exports.EVENTS, EventFilter(request.GET, queryset=rows)
    if kind == "people":
        rows = Person.objects.public().order_by("name", "pk")
        return exports.PEOPLE, PersonFilter(request.GET, queryset=rows)
    if kind == "sources":
        return exports.SOURCES, SourceFilter(request.GET, queryset=exports.cited_sources())
    raise Http404(f"No export of {kind}.")


def download(request, kind, export_format):
    """Anyone: every record (or note they may read) of one kind that the filters select."""
    if kind == "notes":
        if export_format not in NOTE_FORMATS:
            raise Http404("Notes download as csv, json, jsonld or markdown.")
        visible = Annotation.objects.visible_to(request.user)
        return notes_response(
            request, AnnotationFilter(request.GET, queryset=visible, request=request), export_format
        )
    if export_format not in RECORD_FORMATS:
        raise Http404("Records download as csv or json.")
    export, filterset = _records(kind, request)
    return exports.export_response(request, export, filterset, export_format)
