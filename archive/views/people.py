"""The people list and a person's page, with their figures."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
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
from archive.models.messages import TURN_CHANNELS
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


@dataclass(frozen=True)
class ChannelRate:
    """A person's answer rate in one channel, and how it was worked out."""

    channel: str
    label: str
    sent: int
    by_links: int  # answered, by the data's reply links
    by_turns: int  # answered, inferred from turn-taking (conversations without reply links)
    in_turn_conversations: int  # of `sent`, how many are in such conversations

    @property
    def awaits_answers(self):
        return self.channel in TURN_CHANNELS or self.channel == Message.Channel.EMAIL

    @property
    def rate(self):
        return AnswerRate(answered=self.by_links + self.by_turns, sent=self.sent)

    @property
    def method(self):
        if not self.in_turn_conversations:
            return "from reply links"
        if self.in_turn_conversations == self.sent:
            return "inferred from turn-taking"
        return "from reply links, and inferred from turn-taking where a conversation has none"


def channel_answer_rates(person):
    """Per channel the person wrote in: sent, answered and by which method (4 queries)."""

    def per_channel(queryset):
        counts = queryset.order_by().values("channel").annotate(n=Count("pk"))
        return dict(counts.values_list("channel", "n"))

    mine = Message.objects.public().sent_by(person)
    sent = per_channel(mine)
    by_links = per_channel(mine.answered())
    in_turns = mine.without_reply_links().awaiting_answers()
    in_turn_conversations = per_channel(in_turns)
    by_turns = per_channel(in_turns.answered_by_turns())
    labels = dict(Message.Channel.choices)
    return [
        ChannelRate(
            channel,
            labels.get(channel, channel),
            sent[channel],
            by_links.get(channel, 0),
            by_turns.get(channel, 0),
            in_turn_conversations.get(channel, 0),
        )
        for channel in sorted(sent, key=lambda c: (-sent[c], c))
    ]


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
    channels = channel_answer_rates(person)
    sent = counts["sent_count"]
    # Answers by reply links, and by turn-taking in conversations that have no reply links.
    answered = counts["answered_count"] + sum(row.by_turns for row in channels)
    return {
        "sent_count": sent,
        "answer_rate": AnswerRate(answered=answered, sent=sent),
        "channel_rates": channels,
        "median_latency": Latency.median(latencies),
        "latency_count": len(latencies),
    }
