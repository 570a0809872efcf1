"""The API's endpoints: anyone may read; only published records (people and sources as their
pages show them). Lists are filtered by the same FilterSets as the HTML pages."""

from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from annotations.models import Annotation
from archive.api import serializers as api
from archive.filters import EventFilter, MessageFilter, PersonFilter, SourceFilter, ThreadFilter
from archive.models import Collection, Event, Message, Person, Source, Thread
from archive.views.messages import discrepancies_prefetch
from archive.views.sources import source_attestations
from lib.counting import count_per_row

# Each list's name in the index, and its route's basename (archive/api/urls.py).
RESOURCES = {
    "collections": "collection",
    "messages": "message",
    "threads": "thread",
    "events": "event",
    "people": "person",
    "sources": "source",
}


class ArchiveViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of one kind of record, looked up by its external id."""

    lookup_field = "external_id"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    record_name = "record"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # No stored text holds a NUL, and PostgreSQL refuses one in a query: say so here.
        refused = sorted(
            name
            for name, values in request.query_params.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        )
        if refused:
            raise ValidationError(
                {name.replace("\x00", ""): ["Holds a NUL character."] for name in refused}
            )

    def filter_queryset(self, queryset):
        # A record's own address is not narrowed by the list's filters.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.attach_note_counts(page)
        return page

    def get_object(self):
        try:
            record = super().get_object()
        except Http404:
            raise NotFound(f"No {self.record_name} has this id.") from None
        self.attach_note_counts([record])
        return record

    # Whether the records take notes (messages and events), whose counts the answer shows.
    takes_notes = False

    def attach_note_counts(self, records):
        """Set `annotation_count` on each record: its public notes (the API signs no one in)."""
        if self.takes_notes:
            Annotation.objects.visible_to(None).attach_counts(list(records))


def _published_refs(model, *fields):
    return model.objects.public().only("external_id", *fields).order_by("external_id")


@extend_schema(tags=["messages"])
class MessageViewSet(ArchiveViewSet):
    """Published messages, newest first (`sort=oldest` for the other way)."""

    record_name = "published message"
    serializer_class = api.MessageSerializer
    filterset_class = MessageFilter
    takes_notes = True

    def get_queryset(self):
        return (
            Message.objects.public()
            .for_list()
            .select_related("in_reply_to")
            .prefetch_related(
                "sources",
                "corrections",
                "dkim_checks",
                Prefetch("replies", queryset=_published_refs(Message, "in_reply_to")),
                Prefetch("events", queryset=_published_refs(Event, "slug", "title")),
                *discrepancies_prefetch(),
            )
            .newest_first()
        )


@extend_schema(tags=["events"])
class EventViewSet(ArchiveViewSet):
    """Published events in date order (undated last)."""

    record_name = "published event"
    serializer_class = api.EventSerializer
    filterset_class = EventFilter
    takes_notes = True

    def get_queryset(self):
        return (
            Event.objects.public()
            .prefetch_related(
                "participants",
                "sources",
                "corrections",
                Prefetch(
                    "messages",
                    queryset=Message.objects.public().only("external_id").chronological(),
                ),
                *discrepancies_prefetch(),
            )
            .chronological()
        )


@extend_schema(tags=["people"])
class PersonViewSet(ArchiveViewSet):
    """People and organisations, by name."""

    record_name = "person"
    serializer_class = api.PersonSerializer
    filterset_class = PersonFilter

    def get_queryset(self):
        return (
            Person.objects.public()
            .prefetch_related(
                "accounts",
                Prefetch("events", queryset=Event.objects.public().chronological()),
            )
            .order_by("name", "external_id")
        )


@extend_schema(tags=["sources"])
class SourceViewSet(ArchiveViewSet):
    """The bibliography, by publisher."""

    record_name = "source"
    serializer_class = api.SourceSerializer
    filterset_class = SourceFilter

    def get_queryset(self):
        return Source.objects.public().order_by("publisher", "external_id")

    def get_serializer_context(self):
        # What each source attests, counted and cut to the first few once for all sources and
        # cached with the figures: a source may attest ten thousand messages.
        return {**super().get_serializer_context(), "attestations": source_attestations()}


@extend_schema(tags=["threads"])
class ThreadViewSet(ArchiveViewSet):
    """Conversations that hold a published message, by id."""

    record_name = "conversation with a published message"
    serializer_class = api.ThreadSerializer
    filterset_class = ThreadFilter

    def get_queryset(self):
        return (
            Thread.objects.public()
            .annotate(message_count=count_per_row(Message.objects.public(), "thread"))
            .prefetch_related("participants__person")
            .order_by("external_id")
        )


@extend_schema(tags=["collections"])
class CollectionViewSet(ArchiveViewSet):
    """The collections a reader can open (those holding a published record), in the home
    page's order."""

    record_name = "collection with a published record"
    serializer_class = api.CollectionSerializer

    def get_queryset(self):
        return Collection.objects.public().order_by("position", "title", "pk")


@extend_schema(
    tags=["index"],
    responses=inline_serializer(
        "Index",
        {name: serializers.URLField() for name in RESOURCES} | {"openapi": serializers.URLField()},
    ),
)
@api_view(["GET"])
def index(request):
    """Anyone: where each list and the OpenAPI description are."""
    urls = {name: reverse(f"api:{basename}-list") for name, basename in RESOURCES.items()}
    urls["openapi"] = reverse("api:openapi")
    return Response({name: request.build_absolute_uri(url) for name, url in urls.items()})
