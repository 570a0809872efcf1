from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import DiscrepancyReading, Event, Message, Person, Source, Thread

MESSAGES_PER_PAGE = 50


def home(request):
    """Anyone: what the archive holds, with links."""
    counts = {
        "messages": Message.objects.published().count(),
        "events": Event.objects.published().count(),
        "people": Person.objects.count(),
        "sources": Source.objects.count(),
    }
    threads = Thread.objects.order_by("external_id")
    return render(request, "archive/home.html", {"counts": counts, "threads": threads})


def message_list(request):
    """Anyone: published messages, newest first."""
    messages = Message.objects.published().for_list().newest_first()
    page = Paginator(messages, MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/message_list.html", {"page": page})


def message_detail(request, external_id):
    """Anyone: one published message with its provenance, sources and reply chain."""
    message = get_object_or_404(
        Message.objects.published()
        .select_related("sender__person", "thread", "in_reply_to__sender__person")
        .prefetch_related(
            "recipients__person",
            "sources",
            Prefetch(
                "replies",
                queryset=Message.objects.published().select_related("sender__person"),
            ),
            Prefetch("events", queryset=Event.objects.published().chronological()),
            Prefetch(
                "discrepancies__readings",
                queryset=DiscrepancyReading.objects.select_related("source"),
            ),
        ),
        external_id=external_id,
    )
    replies = [(reply, reply.response_latency) for reply in message.replies.all()]
    parent = (
        message.in_reply_to if message.in_reply_to and message.in_reply_to.is_published else None
    )
    return render(
        request,
        "archive/message_detail.html",
        {
            "message": message,
            "parent": parent,
            "latency": message.response_latency if parent else None,
            "replies": replies,
        },
    )


def thread_detail(request, external_id):
    """Anyone: a conversation in thread order."""
    thread = get_object_or_404(Thread, external_id=external_id)
    messages = thread.messages.published().for_list().order_by("position")
    return render(request, "archive/thread_detail.html", {"thread": thread, "messages": messages})


def event_detail(request, slug):
    """Anyone: one published event with participants, messages and sources."""
    event = get_object_or_404(
        Event.objects.published().prefetch_related(
            "participants",
            "sources",
            Prefetch(
                "messages",
                queryset=Message.objects.published().select_related("sender__person"),
            ),
        ),
        slug=slug,
    )
    return render(request, "archive/event_detail.html", {"event": event})


def person_detail(request, external_id):
    """Anyone: a person with accounts and messages sent and received."""
    person = get_object_or_404(
        Person.objects.with_message_counts().prefetch_related("accounts"),
        external_id=external_id,
    )
    sent = Message.objects.published().for_list().filter(sender__person=person).chronological()
    received = (
        Message.objects.published().for_list().filter(recipients__person=person).chronological()
    )
    return render(
        request,
        "archive/person_detail.html",
        {"person": person, "sent": sent, "received": received},
    )


def source_list(request):
    """Anyone: the bibliography."""
    sources = Source.objects.order_by("external_id")
    return render(request, "archive/source_list.html", {"sources": sources})
