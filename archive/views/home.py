"""The home page: what the archive holds and the correspondence at a glance."""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count
from django.shortcuts import render

from annotations.models import Annotation
from archive.models import (
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
    """Anyone: what the archive holds, the correspondence at a glance, where to go next."""
    # Whole-archive aggregates are cheap here but not at a million rows: share them for a minute.
    summary = cached_figures("home-summary", archive_summary)
    latest_notes = (
        Annotation.objects.visible_to(None).for_list().order_by("-created")[:LATEST_NOTES]
    )
    return render(
        request,
        "archive/home.html",
        {
            **summary,
            "title": settings.ARCHIVE_TITLE,
            "intro": settings.ARCHIVE_INTRO,
            "latest_notes": latest_notes,
        },
    )


def archive_summary():
    # Published messages per conversation, counted along the (thread, position) index of
    # published messages rather than by joining every thread to its messages.
    busiest = list(
        Message.objects.public()
        .order_by()
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
        "thread_total": Thread.objects.public().count(),
        "counts": {
            "messages": Message.objects.public().count(),
            "events": Event.objects.public().count(),
            # What the public pages list: an import waiting for review adds no one yet.
            "people": Person.objects.public().count(),
            "sources": Source.objects.public().count(),
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
