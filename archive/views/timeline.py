"""The timeline: messages and events in one chronology, a month at a time."""

import hashlib
from datetime import datetime
from itertools import groupby

from django.db.models import CharField, Max, Min, Prefetch
from django.db.models.functions import Cast, Substr
from django.shortcuts import render

from archive.exports import files as exports
from archive.filters import (
    TimelineEventFilter,
    TimelineMessageFilter,
)
from archive.models import (
    Event,
    Message,
    Person,
)
from archive.views.lists import EXPORT_FORMATS
from archive.views.notes import attach_annotation_counts
from lib.caching import cached_figures
from lib.keyset import InterleavedPaginator

# 'YYYY-MM' of a record's earliest date, computed natively by SQLite and PostgreSQL alike
# (TruncMonth calls a Python function per row on SQLite: seconds at a million rows).
ISO_MONTH = Substr(Cast("date_earliest", CharField()), 1, 7)


def timeline(request):
    """Anyone: messages and events in one chronology, grouped by month, filtered from the URL."""
    messages = (
        Message.objects.public()
        .select_related("sender__person", "thread")
        .prefetch_related(
            "recipients__person",
            Prefetch(
                "events", queryset=Event.objects.public().only("slug", "title", "external_id")
            ),
        )
        .chronological()
    )
    events = (
        Event.objects.public()
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.public().only("external_id"))
        )
        .chronological()
    )
    message_filter = TimelineMessageFilter(request.GET, queryset=messages)
    event_filter = TimelineEventFilter(request.GET, queryset=events)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        # The timeline's events, as its filters choose them (messages export from their list).
        to_export = TimelineEventFilter(
            request.GET, queryset=Event.objects.public().chronological()
        )
        return exports.export_response(request, exports.EVENTS, to_export, export_format)
    page, all_months = None, []
    if message_filter.is_valid() and event_filter.is_valid():
        # One chronology of two tables, paged by keyset (lib/keyset.py): `start` is where
        # reading begins, not a filter, so undated records still close it and earlier entries
        # stay one link away.
        pager = InterleavedPaginator(
            {"event": event_filter.qs, "message": message_filter.qs}, TIMELINE_PAGE_SIZE
        )
        page = pager.page(
            request.GET.get("cursor"), start=message_filter.form.cleaned_data.get("start")
        )
        # DISTINCT months over every matching record: hundreds of ms at a million rows, so kept
        # per filter until the records change (lib/caching.py).
        all_months = cached_figures(
            f"timeline-months:{_filter_key(message_filter)}",
            lambda: sorted(
                _months_with_records(message_filter.qs) | _months_with_records(event_filter.qs)
            ),
        )
    entries = page.object_list if page else []
    attach_annotation_counts(
        request,
        messages=[record for kind, record in entries if kind == "message"],
        events=[record for kind, record in entries if kind == "event"],
    )
    months = []
    for key, group in groupby(entries, key=lambda entry: _month_of(entry[1])):
        months.append({"key": key, "entries": list(group)})
    on_page = {month["key"] for month in months}
    years = cached_figures(
        "timeline-years",
        lambda: _year_range(Message.objects.public(), Event.objects.public()),
    )
    return render(
        request,
        "archive/timeline.html",
        {
            "filter": message_filter,
            "errors": message_filter.errors or event_filter.errors,
            "months": months,
            "month_nav": [
                {
                    "key": key,
                    "label": datetime.strptime(key, "%Y-%m").strftime("%b %Y"),
                    "on_page": key in on_page,
                }
                for key in all_months
            ]
            + (
                [{"key": "undated", "label": "Undated", "on_page": True}]
                if "undated" in on_page
                else []
            ),
            "years": years,
            # The person filter's own choices: only people a published record names.
            "people": Person.objects.public().only("external_id", "name"),
            "count": len(entries),
            "page": page,
            "span": [entries[0][1].date_display, entries[-1][1].date_display] if entries else [],
        },
    )


TIMELINE_PAGE_SIZE = 100


def _filter_key(filterset):
    """A short stable name for a valid filterset's values, to cache what depends on them."""
    values = sorted(
        (name, str(getattr(value, "pk", value)))
        for name, value in filterset.form.cleaned_data.items()
        if value not in (None, "") and name not in getattr(filterset, "positions", ())
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()[:24]


def _months_with_records(queryset):
    """{'2016-10', …}: the months that hold a record, computed in the database.

    See ISO_MONTH for why not TruncMonth.
    """
    months = (
        queryset.exclude(date_earliest__isnull=True)
        .order_by()
        .annotate(month=ISO_MONTH)
        .values_list("month", flat=True)
        .distinct()
    )
    return set(months)


def _year_range(*querysets):
    """Every year from the earliest to the latest dated record (index lookups, no scan)."""
    bounds = [
        qs.aggregate(first=Min("date_earliest"), last=Max("date_earliest")) for qs in querysets
    ]
    firsts = [b["first"] for b in bounds if b["first"]]
    lasts = [b["last"] for b in bounds if b["last"]]
    if not firsts:
        return []
    return list(range(min(firsts).year, max(lasts).year + 1))


def _month_of(record):
    day = record.date_earliest
    return f"{day:%Y-%m}" if day else "undated"
