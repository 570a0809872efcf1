"""The bibliography and a source's page, with what each source attests."""

from itertools import groupby

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from archive.exports import files as exports
from archive.filters import (
    SourceFilter,
)
from archive.models import (
    Attestation,
    DiscrepancyReading,
    Event,
    Message,
    Source,
)
from archive.views.citations import cite_context
from archive.views.lists import EXPORT_FORMATS
from lib.caching import cached_figures

# A source's list entry names this many of the messages (and events) it attests, and links to
# them all; its page lists this many of its messages, oldest first.
SOURCE_LIST_REFS = 10


SOURCE_PAGE_MESSAGES = 50


def source_attestations():
    """What every source attests (counts and first records), cached with the figures. Kept ten
    minutes rather than one (any change to the records forgets it at once anyway): at a
    million messages it takes seconds to compute."""
    return cached_figures("source-attestations", Source.objects.attestations, timeout=600)


def source_list(request):
    """Anyone: the bibliography, grouped by publisher, each source with the first records it
    attests and how many there are; narrowed by the same FilterSet as the API's list of
    sources; ?format=csv|json downloads the filtered bibliography."""
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        to_export = SourceFilter(request.GET, queryset=exports.cited_sources())
        return exports.export_response(request, exports.SOURCES, to_export, export_format)
    sources = Source.objects.public().order_by("publisher", "external_id")
    source_filter = SourceFilter(request.GET, queryset=sources)
    sources = list(source_filter.qs) if source_filter.is_valid() else []
    attestations = source_attestations()
    for source in sources:
        source.attests = attestations.get(source.pk, Attestation())
    publishers = [
        (publisher, list(group)) for publisher, group in groupby(sources, key=lambda s: s.publisher)
    ]
    return render(
        request,
        "archive/source_list.html",
        {
            "publishers": publishers,
            "count": len(sources),
            "filter": source_filter,
            "is_filtered": any(request.GET.get(name) for name in source_filter.filters),
            "refs": SOURCE_LIST_REFS,
        },
    )


def source_detail(request, external_id):
    """Anyone: one source, what it attests (its first messages, with a link to them all), and
    how to cite it."""
    source = get_object_or_404(
        Source.objects.public().prefetch_related(
            Prefetch("events", queryset=Event.objects.public().chronological()),
            Prefetch(
                "readings",
                queryset=DiscrepancyReading.objects.filter(
                    discrepancy__in=exports.public_discrepancies()
                ).select_related("discrepancy__message", "discrepancy__event"),
            ),
        ),
        external_id=external_id,
    )
    source.first_messages = list(
        Message.objects.public()
        .filter(sources=source)
        .select_related("sender__person")
        .chronological()[:SOURCE_PAGE_MESSAGES]
    )
    source.attests = source_attestations().get(source.pk, Attestation())
    return render(
        request,
        "archive/source_detail.html",
        {"source": source, "cite": cite_context(request, source)},
    )
