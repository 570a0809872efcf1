import hashlib
import json
import uuid
from collections import defaultdict
from datetime import datetime
from itertools import groupby

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import CharField, Count, Max, Min, Prefetch, Q
from django.db.models.functions import Cast, Length, Substr
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from annotations.forms import AnnotationForm, SourceLinkFormSet
from annotations.highlighting import segments
from annotations.models import Annotation
from annotations.w3c.protocol import annotation_service_link

from . import citations, exports, keyset
from .caching import cached_figures
from .conversation import build_conversation, side_stats
from .counting import bounded_count, cached_count
from .filters import (
    MessageCountFilter,
    MessageFilter,
    PersonFilter,
    SourceFilter,
    TimelineEventFilter,
    TimelineMessageFilter,
)
from .keyset import InterleavedPaginator, KeysetPaginator
from .models import (
    AnswerRate,
    Attestation,
    DatasetRelease,
    Discrepancy,
    DiscrepancyReading,
    Event,
    Latency,
    Message,
    Person,
    Source,
    Thread,
)
from .release import releases_dir
from .search import results as search_results
from .search.forms import SearchForm
from .slugs import external_ids_in_slug

# 'YYYY-MM' of a record's earliest date, computed natively by SQLite and PostgreSQL alike
# (TruncMonth calls a Python function per row on SQLite: seconds at a million rows).
ISO_MONTH = Substr(Cast("date_earliest", CharField()), 1, 7)

MESSAGES_PER_PAGE = 50
PEOPLE_PER_PAGE = 100
EXPORT_FORMATS = {"csv", "json"}
THREAD_PAGE_SIZE = 100
PERSON_LIST_LIMIT = 25
LATEST_NOTES = 3
NOTES_PER_PAGE = 20
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
        Message.objects.published()
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
        "thread_total": Thread.objects.in_published_records().count(),
        "counts": {
            "messages": Message.objects.published().count(),
            "events": Event.objects.published().count(),
            # What the public pages list: an import waiting for review adds no one yet.
            "people": Person.objects.public().count(),
            "sources": Source.objects.public().count(),
        },
        "glance": correspondence_at_a_glance(threads[0]) if threads else None,
    }


def correspondence_at_a_glance(thread):
    """Messages per month and sender in a conversation: the home page's small chart."""
    rows = (
        thread.messages.published()
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


def message_list(request):
    """Anyone: published messages, filtered and sorted from the URL; CSV/JSON export of the set."""
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        # The same FilterSet over the rows the export reads (archive/exports.py).
        to_export = MessageFilter(
            request.GET, queryset=Message.objects.published().newest_first(), request=request
        )
        return exports.export_response(request, exports.MESSAGES, to_export, export_format)
    messages = Message.objects.published().for_list().newest_first()
    message_filter = MessageFilter(request.GET, queryset=messages, request=request)
    results = message_filter.qs
    is_filtered = _has_filters(request)
    cursor, page_number_refused = _cursor_or_page_number(request, results)
    page = KeysetPaginator(results, MESSAGES_PER_PAGE).page(cursor)
    _attach_annotation_counts(request, messages=page.object_list)
    count = None
    if message_filter.is_valid():
        if is_filtered:
            count = _filtered_count(request, messages)
        else:
            # Every reader asks how many messages there are: counted once per change, not per
            # request (a COUNT over a million rows took 65 ms).
            count = cached_count("published-messages", Message.objects.published())
    return render(
        request,
        "archive/message_list.html",
        {
            "filter": message_filter,
            "page": page,
            "count": count,
            "page_number_refused": page_number_refused,
            "max_page_number": MAX_PAGE_NUMBER,
            "is_filtered": is_filtered,
            "more_filters_open": _more_filters_in_use(request, message_filter),
        },
    )


def _filtered_count(request, messages):
    """The bounded count of a filtered list. Filters that do not depend on who reads (all but
    the notes and note-tag ones) give every reader the same count: shared until the records
    change, like the other cached figures."""
    counted = MessageCountFilter(request.GET, queryset=messages, request=request).qs
    per_reader = {"annotated", "tag"}
    params = sorted(
        (key, value)
        for key, value in request.GET.items()
        if value and key not in LIST_NAVIGATION | {"format"}
    )
    if any(key in per_reader for key, _ in params):
        return bounded_count(counted)
    digest = hashlib.sha256(json.dumps(params).encode()).hexdigest()
    return cached_figures(f"list-count:{digest}", lambda: bounded_count(counted))


def search(request):
    """Anyone: full-text search over the archive and the notes this reader may see."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and not form.query.is_empty:
        results = search_results.search(form.query, form.cleaned_data, request.user)
        for facet in results.facets:
            for choice in facet.values:
                choice.url = _facet_url(request, facet.name, choice)
    elif not form.is_bound:
        form = SearchForm()
    return render(
        request,
        "archive/search.html",
        {"form": form, "query": getattr(form, "query", None), "results": results},
    )


def _facet_url(request, name, choice):
    """This search with the facet value chosen, or removed when it is the one chosen."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    if choice.selected:
        params.pop(name, None)
    else:
        params[name] = choice.value
    return "?" + params.urlencode()


# ?page=N links from before cursors still open their page, up to here; the page is found by
# reading N × 50 index entries, which stays cheap only for early pages.
MAX_PAGE_NUMBER = 20
LIST_NAVIGATION = {"page", "sort", "cursor"}


def _cursor_or_page_number(request, results):
    """The cursor to read from: ?cursor=…, or an old ?page=N turned into one.

    Returns (cursor, refused): refused is True for a page number past MAX_PAGE_NUMBER, past
    the end or not a number, which then opens the first page with a word on why."""
    cursor = request.GET.get("cursor")
    number = request.GET.get("page")
    if cursor or not number:
        return cursor, False
    try:
        number = int(number)
    except ValueError:
        return None, True
    if not 1 <= number <= MAX_PAGE_NUMBER:
        return None, True
    cursor = keyset.cursor_at_offset(results, (number - 1) * MESSAGES_PER_PAGE)
    return cursor, number > 1 and cursor is None


def _has_filters(request):
    return any(value for key, value in request.GET.items() if key not in LIST_NAVIGATION)


def _more_filters_in_use(request, message_filter):
    """Whether a filter other than the words narrows, reorders or rejects the list."""
    form = message_filter.form
    for name in form.fields:
        if name == "q":
            continue
        value = request.GET.get(name)
        # Newest first is the default order: a form that merely resubmits it changes nothing.
        if (value and not (name == "sort" and value == "newest")) or form[name].errors:
            return True
    return False


def _message_detail_queryset():
    return (
        Message.objects.published()
        .select_related("sender__person", "thread", "in_reply_to__sender__person", "import_batch")
        .prefetch_related(
            "recipients__person",
            "sources",
            "corrections",
            Prefetch(
                "replies",
                queryset=Message.objects.published().select_related("sender__person"),
            ),
            Prefetch("events", queryset=Event.objects.published().chronological()),
            *discrepancies_prefetch(),
        )
    )


def discrepancies_prefetch():
    """What a message or event page shows of its discrepancies: those with two readings."""
    return [
        Prefetch("discrepancies", queryset=Discrepancy.objects.with_two_readings()),
        Prefetch(
            "discrepancies__readings",
            queryset=DiscrepancyReading.objects.select_related("source"),
        ),
    ]


def message_detail(request, external_id):
    """Anyone: one published message with its provenance, sources, reply chain and neighbours."""
    message = get_object_or_404(_message_detail_queryset(), external_id=external_id)
    replies = [(reply, reply.response_latency) for reply in message.replies.all()]
    parent = (
        message.in_reply_to if message.in_reply_to and message.in_reply_to.is_published else None
    )
    siblings = message.thread.messages.published().select_related("sender__person")
    previous = siblings.filter(position__lt=message.position).order_by("-position").first()
    following = siblings.filter(position__gt=message.position).order_by("position").first()
    visible_notes = Annotation.objects.visible_to(request.user).filter(message=message)
    notes = _notes_context(request, visible_notes)
    response = render(
        request,
        "archive/message_detail.html",
        {
            "message": message,
            "parent": parent,
            "latency": message.response_latency if parent else None,
            "replies": replies,
            "previous": previous,
            "next": following,
            "cite": _cite_context(request, message),
            **notes,
            "segments": _highlights(message.text, visible_notes, notes["notes_page"]),
            # Only imported messages have attachments: no query for the others.
            "attachments": list(message.attachments.all()) if message.import_batch_id else [],
            **_annotation_form_context(request, message=message),
        },
    )
    # Where annotation clients may post notes on this page (W3C Web Annotation Protocol).
    response["Link"] = annotation_service_link(request)
    return response


def _notes_context(request, visible_notes):
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


def _highlights(text, visible_notes, notes_page):
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


def _annotation_form_context(request, **target):
    """The blank annotate form a signed-in researcher sees under a record."""
    if not request.user.is_authenticated:
        return {}
    blank = Annotation(author=request.user, **target)
    return {
        "form": AnnotationForm(instance=blank, user=request.user),
        "links": SourceLinkFormSet(instance=blank, prefix="links"),
    }


def _attach_annotation_counts(request, messages=(), events=()):
    """Set annotation_count on each record: visible annotations only, one query per kind."""
    visible = Annotation.objects.visible_to(request.user)
    if messages:
        counts = visible.counts_by_message([m.pk for m in messages])
        for message in messages:
            message.annotation_count = counts.get(message.pk, 0)
    if events:
        counts = visible.counts_by_event([e.pk for e in events])
        for event in events:
            event.annotation_count = counts.get(event.pk, 0)


def thread_detail(request, external_id):
    """Anyone: a conversation read as a chat, in thread order, a page of messages at a time."""
    # A conversation only an import waiting for review holds is not public yet (its title may be
    # an e-mail's subject line).
    thread = get_object_or_404(Thread.objects.in_published_records(), external_id=external_id)
    messages = thread.messages.published().for_list().order_by("position", "pk")
    page = KeysetPaginator(messages, THREAD_PAGE_SIZE).page(request.GET.get("cursor"))
    _attach_annotation_counts(request, messages=page.object_list)
    opening = thread.messages.published().order_by("position").values("sender").first()
    conversation = build_conversation(page, opening["sender"] if opening else None)
    # Whole-thread aggregates, kept until the records change (archive/caching.py).
    conversation.sides = cached_figures(f"thread-sides:{thread.pk}", lambda: side_stats(thread))
    return render(
        request,
        "archive/thread_detail.html",
        {
            "thread": thread,
            "conversation": conversation,
            "page": page,
            "message_total": sum(side.sent for side in conversation.sides),
            "page_size": THREAD_PAGE_SIZE,
        },
    )


def timeline(request):
    """Anyone: messages and events in one chronology, grouped by month, filtered from the URL."""
    messages = (
        Message.objects.published()
        .select_related("sender__person", "thread")
        .prefetch_related(
            "recipients__person",
            Prefetch(
                "events", queryset=Event.objects.published().only("slug", "title", "external_id")
            ),
        )
        .chronological()
    )
    events = (
        Event.objects.published()
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.published().only("external_id"))
        )
        .chronological()
    )
    message_filter = TimelineMessageFilter(request.GET, queryset=messages)
    event_filter = TimelineEventFilter(request.GET, queryset=events)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        # The timeline's events, as its filters choose them (messages export from their list).
        to_export = TimelineEventFilter(
            request.GET, queryset=Event.objects.published().chronological()
        )
        return exports.export_response(request, exports.EVENTS, to_export, export_format)
    page, all_months = None, []
    if message_filter.is_valid() and event_filter.is_valid():
        # One chronology of two tables, paged by keyset (archive/keyset.py): `start` is where
        # reading begins, not a filter, so undated records still close it and earlier entries
        # stay one link away.
        pager = InterleavedPaginator(
            {"event": event_filter.qs, "message": message_filter.qs}, TIMELINE_PAGE_SIZE
        )
        page = pager.page(
            request.GET.get("cursor"), start=message_filter.form.cleaned_data.get("start")
        )
        # DISTINCT months over every matching record: hundreds of ms at a million rows, so kept
        # per filter until the records change (archive/caching.py).
        all_months = cached_figures(
            f"timeline-months:{_filter_key(message_filter)}",
            lambda: sorted(
                _months_with_records(message_filter.qs) | _months_with_records(event_filter.qs)
            ),
        )
    entries = page.object_list if page else []
    _attach_annotation_counts(
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
        lambda: _year_range(Message.objects.published(), Event.objects.published()),
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
            "people": Person.objects.in_published_records().only("external_id", "name"),
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


def event_detail(request, slug):
    """Anyone: one published event with participants, messages and sources."""
    events = Event.objects.published().prefetch_related(
        "participants",
        "sources",
        "corrections",
        Prefetch(
            "messages",
            queryset=Message.objects.published().select_related("sender__person").chronological(),
        ),
        *discrepancies_prefetch(),
    )
    event = events.filter(slug=slug).first()
    if event is None:
        # A permalink keeps working when a title (and so the slug) changes: e16-old-title → e16-…
        # The longest external id the slug starts with wins ('e-1-x' is e-1's, not e's).
        candidates = external_ids_in_slug(slug)
        event = events.filter(external_id__in=candidates).order_by(Length("external_id").desc())
        event = event.first()
        if event is None:
            raise Http404("No such event.")
        return redirect(event, permanent=True)
    response = render(
        request,
        "archive/event_detail.html",
        {
            "event": event,
            "cite": _cite_context(request, event),
            **_notes_context(
                request, Annotation.objects.visible_to(request.user).filter(event=event)
            ),
            **_annotation_form_context(request, event=event),
        },
    )
    response["Link"] = annotation_service_link(request)
    return response


def person_detail(request, external_id):
    """Anyone: a person's accounts, messages sent and received, answer rate, latency, events."""
    person = get_object_or_404(
        Person.objects.public().prefetch_related(
            "accounts", Prefetch("events", queryset=Event.objects.published().chronological())
        ),
        external_id=external_id,
    )
    published = Message.objects.published()
    sent = list(published.for_list().sent_by(person).chronological()[:PERSON_LIST_LIMIT])
    received = list(
        published.for_list().received_by(person).chronological()[: PERSON_LIST_LIMIT + 1]
    )
    _attach_annotation_counts(request, messages=sent + received)
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
        {"filter": person_filter, "page": page, "is_filtered": _has_filters(request)},
    )


def person_stats(person):
    """Messages sent, how many got a reply, and the median reply delay where it is known."""
    counts = Person.objects.with_message_counts().values("sent_count", "answered_count")
    counts = counts.get(pk=person.pk)
    # Only replies whose latency is known: a reported delay, or attested times on both sides.
    replies = (
        Message.objects.published()
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
            Prefetch("events", queryset=Event.objects.published().chronological()),
            Prefetch(
                "readings",
                queryset=DiscrepancyReading.objects.filter(
                    discrepancy__in=exports.published_discrepancies()
                ).select_related("discrepancy__message", "discrepancy__event"),
            ),
        ),
        external_id=external_id,
    )
    source.first_messages = list(
        Message.objects.published()
        .filter(sources=source)
        .select_related("sender__person")
        .chronological()[:SOURCE_PAGE_MESSAGES]
    )
    source.attests = source_attestations().get(source.pk, Attestation())
    return render(
        request,
        "archive/source_detail.html",
        {"source": source, "cite": _cite_context(request, source)},
    )


def _cite_context(request, record):
    url = request.build_absolute_uri(record.get_absolute_url())
    today = timezone.localdate()
    return {
        "text": citations.plain_text(record, url, today),
        "bibtex_url": f"{record.get_absolute_url()}cite.bib",
        "csl_url": f"{record.get_absolute_url()}cite.json",
    }


CITABLE = {
    "message": (
        Message,
        "external_id",
        lambda: (
            Message.objects.published()
            .select_related("sender__person")
            .prefetch_related("recipients__person", "corrections")
        ),
    ),
    "event": (Event, "slug", lambda: Event.objects.published().prefetch_related("corrections")),
    "source": (Source, "external_id", lambda: Source.objects.public()),
}


def citation(request, kind, key, export_format):
    """Anyone: a record's citation as a BibTeX or CSL-JSON download."""
    _, lookup, queryset = CITABLE[kind]
    record = get_object_or_404(queryset(), **{lookup: key})
    url = request.build_absolute_uri(record.get_absolute_url())
    today = timezone.localdate()
    filename = citations.citation_key(record)
    if export_format == "bib":
        response = HttpResponse(
            citations.bibtex(record, url, today), content_type="application/x-bibtex; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.bib"'
    else:
        response = HttpResponse(
            json.dumps(citations.csl_json(record, url, today), ensure_ascii=False, indent=2),
            content_type="application/vnd.citationstyles.csl+json",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def data(request):
    """Anyone: the dataset releases with their checksums, and what the exports hold."""
    releases = list(DatasetRelease.objects.all())
    for release in releases:
        release.is_here = (releases_dir() / release.file_name).is_file()
    return render(request, "archive/data.html", {"releases": releases})


def data_download(request, file_name):
    """Anyone: a recorded release's zip, from MEDIA_ROOT/releases."""
    release = get_object_or_404(DatasetRelease, file_name=file_name)
    path = releases_dir() / release.file_name
    if not path.is_file():
        raise Http404("This release's file is not on this server.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=release.file_name)


def robots_txt(request):
    """Anyone: crawl everything public, not the admin; point at the sitemap."""
    sitemap = request.build_absolute_uri("/sitemap.xml")
    body = f"User-agent: *\nDisallow: /admin/\nDisallow: /accounts/\n\nSitemap: {sitemap}\n"
    return HttpResponse(body, content_type="text/plain")
