"""The people list and a person's page, with their figures."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from archive.exports import files as exports
from archive.filters import (
    PersonFilter,
)
from archive.models import (
    AnswerRate,
    Event,
    Latency,
    Message,
    Person,
)
from archive.views.lists import EXPORT_FORMATS, has_filters
from archive.views.notes import attach_annotation_counts
from lib.caching import cached_figures
from lib.keyset import KeysetPaginator

PEOPLE_PER_PAGE = 100


PERSON_LIST_LIMIT = 25


def person_detail(request, external_id):
    """Anyone: a person's accounts, messages sent and received, answer rate, latency, events."""
    person = get_object_or_404(
        Person.objects.public().prefetch_related(
            "accounts", Prefetch("events", queryset=Event.objects.public().chronological())
        ),
        external_id=external_id,
    )
    published = Message.objects.public()
    sent = list(published.for_list().sent_by(person).chronological()[:PERSON_LIST_LIMIT])
    received = list(
        published.for_list().received_by(person).chronological()[: PERSON_LIST_LIMIT + 1]
    )
    attach_annotation_counts(request, messages=sent + received)
    # Whole-person aggregates: shared for a minute, like the thread's side counts.
    stats = cached_figures(f"person-stats:{person.pk}", lambda: person_stats(person))
    return render(
        request,
        "archive/person_detail.html",
        {
            "person": person,
            "sent": sent,
            "received": received[:PERSON_LIST_LIMIT],
            "more_received": len(received) > PERSON_LIST_LIMIT,
            "list_limit": PERSON_LIST_LIMIT,
            **stats,
        },
    )


def person_list(request):
    """Anyone: the people and organisations the archive names, filtered by words and kind;
    ?format=csv|json downloads the filtered set."""
    # Only people a published record names: an import waiting for review names no one yet.
    people = Person.objects.public().order_by("name", "pk")
    person_filter = PersonFilter(request.GET, queryset=people)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        return exports.export_response(request, exports.PEOPLE, person_filter, export_format)
    page = None
    if person_filter.is_valid():
        people = person_filter.qs.prefetch_related("accounts")
        page = KeysetPaginator(people, PEOPLE_PER_PAGE).page(request.GET.get("cursor"))
    return render(
        request,
        "archive/person_list.html",
        {"filter": person_filter, "page": page, "is_filtered": has_filters(request)},
    )


def person_stats(person):
    """Messages sent, how many got a reply, and the median reply delay where it is known."""
    counts = Person.objects.with_message_counts().values("sent_count", "answered_count")
    counts = counts.get(pk=person.pk)
    # Only replies whose latency is known: a reported delay, or attested times on both sides.
    replies = (
        Message.objects.public()
        .sent_by(person)
        .filter(in_reply_to__isnull=False)
        .filter(
            Q(reported_delay__isnull=False)
            | Q(sent_at__isnull=False, in_reply_to__sent_at__isnull=False)
        )
        .select_related("in_reply_to")
        .order_by()
    )
    latencies = [m.response_latency for m in replies.iterator()]
    latencies = [latency for latency in latencies if latency]
    sent, answered = counts["sent_count"], counts["answered_count"]
    return {
        "sent_count": sent,
        "answer_rate": AnswerRate(answered=answered, sent=sent),
        "median_latency": Latency.median(latencies),
        "latency_count": len(latencies),
    }
