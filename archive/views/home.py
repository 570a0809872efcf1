"""The home page: what the archive holds and the correspondence at a glance."""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from annotations.models import Annotation
from archive.models import (
    Collection,
    Event,
    Message,
    Person,
    Source,
    Thread,
)
from archive.views.timeline import ISO_MONTH
from lib.caching import cached_figures

LATEST_NOTES = 3


HOME_THREADS = 12


def home(request):
    """Anyone: what the archive holds, the correspondence at a glance, where to go next. A site
    of several collections lists them first, and its figures are the whole site's."""
    collections = cached_figures("home-collections", public_collections)
    if len(collections) == 1:
        # One collection: its page is the home page, as it always was.
        return collection_page(request, collections[0], is_home=True)
    summary = cached_figures("home-summary", archive_summary)
    latest_notes = (
        Annotation.objects.visible_to(None).for_list().order_by("-created")[:LATEST_NOTES]
    )
    return render(
        request,
        "archive/home.html",
        {
            **summary,
            # Several collections: no one conversation's chart speaks for the site.
            "glance": None if collections else summary["glance"],
            "collections": collections,
            "title": settings.ARCHIVE_TITLE if not collections else settings.ARCHIVE_NAME,
            "intro": settings.ARCHIVE_INTRO if not collections else "",
            "latest_notes": latest_notes,
            "scope": "",
        },
    )


def collection_detail(request, external_id):
    """Anyone: a collection's own page: its title, introduction, figures, chart, latest notes,
    licence and citation; every list it links to keeps to it (?collection=)."""
    collection = get_object_or_404(Collection.objects.public(), external_id=external_id)
    return collection_page(request, collection)


def collection_page(request, collection, is_home=False):
    if is_home:
        # The only collection is the whole site (a curator's own sources no record cites yet
        # are the site's too).
        summary = cached_figures("home-summary", archive_summary)
    else:
        summary = cached_figures(
            f"collection-summary:{collection.pk}", lambda: archive_summary(collection)
        )
    notes = Annotation.objects.visible_to(None).filter(
        Q(message__thread__collection=collection) | Q(event__collection=collection)
    )
    return render(
        request,
        "archive/home.html",
        {
            **summary,
            "collection": collection,
            "is_home": is_home,
            "title": collection.title,
            "intro_html": collection.introduction_html,
            "latest_notes": notes.for_list().order_by("-created")[:LATEST_NOTES],
            # The lists the page links to keep to the collection, unless it is the only one.
            "scope": "" if is_home else f"collection={collection.external_id}",
        },
    )


def public_collections():
    """The collections a reader can open, each with its count of published messages."""
    return list(
        Collection.objects.public().annotate(
            message_total=Count("threads__messages", filter=Q(threads__messages__is_published=True))
        )
    )


def archive_summary(collection=None):
    messages, events = Message.objects.public(), Event.objects.public()
    threads_public = Thread.objects.public()
    people, sources = Person.objects.public(), Source.objects.public()
    if collection is not None:
        messages, events = collection.public_messages(), collection.public_events()
        threads_public = threads_public.filter(collection=collection)
        people, sources = collection.named(people), collection.named(sources)
    # Published messages per conversation, counted along the (thread, position) index of
    # published messages rather than by joining every thread to its messages.
    busiest = list(
        messages.order_by()
        .values("thread")
        .annotate(total=Count("pk"))
        .order_by("-total", "thread")[:HOME_THREADS]
    )
    by_pk = Thread.objects.in_bulk([row["thread"] for row in busiest])
    threads = []
    for row in busiest:
        thread = by_pk[row["thread"]]
        thread.message_total = row["total"]
        threads.append(thread)
    threads.sort(key=lambda thread: (-thread.message_total, thread.external_id))
    return {
        # The busiest conversations by name; a large archive has tens of thousands.
        "threads": threads,
        "thread_total": threads_public.count(),
        "counts": {
            "messages": messages.count(),
            "events": events.count(),
            # What the public pages list: an import waiting for review adds no one yet.
            "people": people.count(),
            "sources": sources.count(),
        },
        "glance": correspondence_at_a_glance(threads[0]) if threads else None,
    }


def correspondence_at_a_glance(thread):
    """Messages per month and sender in a conversation: the home page's small chart."""
    rows = (
        thread.messages.public()
        .exclude(date_earliest__isnull=True)
        .annotate(month=ISO_MONTH)
        .order_by()
        .values_list("month", "sender__handle", "sender__person__name")
        .annotate(n=Count("pk"))
        .order_by("month", "sender__handle")
    )
    by_month = defaultdict(lambda: defaultdict(int))
    senders = []
    for month, handle, name, count in rows:
        label = handle or name
        if label not in senders:
            senders.append(label)
        by_month[(int(month[:4]), int(month[5:7]))][label] += count
    if not by_month:
        return None
    first, last = min(by_month), max(by_month)
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    peak = max(sum(v.values()) for v in by_month.values())
    columns = []
    for index, (year, month) in enumerate(months):
        counts = [by_month[(year, month)].get(s, 0) for s in senders]
        columns.append(
            {
                "x": 10 + index * 28,
                "label": f"{year}-{month:02d}",
                "short": "JFMAMJJASOND"[month - 1],
                "year": year if month == 1 or index == 0 else None,
                "bars": [
                    {"sender": s, "count": c, "height": round(80 * c / peak), "series": i % 2}
                    for i, (s, c) in enumerate(zip(senders, counts, strict=True))
                    if c
                ],
            }
        )
        offset = 100
        for bar in columns[-1]["bars"]:
            offset -= bar["height"]
            bar["y"] = offset
    return {
        "thread": thread,
        "senders": senders,
        "columns": columns,
        "width": 20 + len(months) * 28,
        # A short span is drawn wide; a long one keeps its natural size and scrolls sideways.
        "fits": len(months) <= 24,
    }
