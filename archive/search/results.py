"""What /search/ shows: per kind of record, what matches, how many, and facets to narrow by.

Every kind starts from what this reader may see — published messages and events, every person
and source, the notes `Annotation.objects.visible_to(user)` allows — so nothing withdrawn or
private reaches a result, a count, a facet or a snippet.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from annotations.models import Annotation
from archive.models import Collection, Event, Message, Person, Source
from archive.search.backends import SNIPPET_END, SNIPPET_START, backend
from lib import counting
from lib.caching import cached_figures
from lib.keyset import KeysetPaginator

# Counts stop at this many rows: "more than 10,000" costs what 10,000 costs, at any size.
COUNT_LIMIT = 10_000
# Facets are counted over at most this many matches (all of them when there are fewer).
FACET_LIMIT = 10_000
RESULTS_PER_PAGE = 20
PREVIEW_PER_KIND = 3
# Relevance ranks at most this many matches (the latest added): the page says so when there
# are more, and offers the date order, which reads them all.
RANK_LIMIT = 2_000
# Relevance is a ranking, not a list to read through: deeper than this, refine the search.
MAX_RELEVANCE_PAGE = 50


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    singular: str


KINDS = [
    Kind("messages", "Messages", "message"),
    Kind("events", "Events", "event"),
    Kind("people", "People", "person"),
    Kind("sources", "Sources", "source"),
    Kind("notes", "Notes", "note"),
]
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


def visible_records(kind, user):
    """Every record of this kind that this reader may find."""
    if kind == "messages":
        return Message.objects.public()
    if kind == "events":
        return Event.objects.public()
    if kind == "people":
        return Person.objects.public()
    if kind == "sources":
        return Source.objects.public()
    return Annotation.objects.visible_to(user)


def matching(queryset, query, in_order=False):
    """Narrow a queryset of one searchable model to what `query` finds: its words, its dates.
    `in_order`: the rows will be read in the list's own (date) order, not ranked."""
    search = backend()
    if query.groups:
        match = search.matching_in_order if in_order else search.matching
        queryset = match(queryset, query)
    elif query.excluded:
        # Only exclusions (beside a date): leave out whatever any of them would find.
        from archive.search.query import SearchQuery

        any_excluded = SearchQuery(groups=[tuple(query.excluded)])
        found = search.matching(queryset.model.objects.all(), any_excluded).values("pk")
        queryset = queryset.exclude(pk__in=found)
    if query.dates:
        queryset = within_dates(queryset, query.dates)
    return queryset


def within_dates(queryset, span):
    """Records whose date range meets the span; a source by its publication date."""
    model = queryset.model
    if model is Source:
        return queryset.filter(published_on__range=(span.first, span.last))
    if model in (Message, Event):
        # A record starting before the span can still reach into it, but by no more than the
        # longest date range on record: that bounds the index range read.
        return queryset.filter(
            date_earliest__gte=span.first - longest_date_range(model),
            date_earliest__lte=span.last,
        ).filter(
            Q(date_latest__gte=span.first)
            | Q(date_latest__isnull=True, date_earliest__gte=span.first)
        )
    # People and notes have no date of their own.
    return queryset.none()


def longest_date_range(model):
    """The longest span between a record's earliest and latest date, kept with the figures."""

    def compute():
        table = connection.ops.quote_name(model._meta.db_table)
        days = (
            "julianday(date_latest) - julianday(date_earliest)"
            if connection.vendor == "sqlite"
            else "date_latest - date_earliest"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({days}) FROM {table} WHERE date_latest IS NOT NULL")
            longest = cursor.fetchone()[0]
        return timedelta(days=int(longest or 0))

    return cached_figures(f"longest-date-range:{model._meta.label_lower}", compute)


def bounded_count(queryset, limit=None):
    """(count, exact), counting no further than COUNT_LIMIT: the lists' rule (archive/counting)."""
    counted = counting.bounded_count(queryset, limit or COUNT_LIMIT)
    return counted.value, counted.is_exact


def ordered(queryset, query, sort):
    """Sort results: by relevance (words only), or by date, with a stable tie-breaker."""
    model = queryset.model
    if sort == "relevance" and query.groups:
        return backend().ranked(queryset, query).order_by("-search_score", "pk")
    descending = sort == "newest"
    if model in (Message, Event):
        date = (
            F("date_earliest").desc(nulls_last=True)
            if descending
            else F("date_earliest").asc(nulls_last=True)
        )
        return queryset.order_by(date, "-pk" if descending else "pk")
    if model is Source:
        date = (
            F("published_on").desc(nulls_last=True)
            if descending
            else F("published_on").asc(nulls_last=True)
        )
        return queryset.order_by(date, "-pk" if descending else "pk")
    if model is Annotation:
        return queryset.order_by(*(("-created", "-pk") if descending else ("created", "pk")))
    return queryset.order_by("name", "pk")


def for_display(queryset, kind):
    """What a result row shows, fetched in the same query or one more per relation."""
    if kind == "messages":
        return queryset.select_related("sender__person", "thread").prefetch_related(
            "recipients__person"
        )
    if kind == "notes":
        return queryset.select_related("author", "group", "message", "event")
    return queryset


def with_snippets(rows, query):
    """Set snippet_html on each row: the best passage, matched words marked, in one query."""
    rows = list(rows)
    snippets = {}
    if rows and query.groups:
        model = type(rows[0])
        found = backend().with_snippets(
            backend().rows_by_id(model, [r.pk for r in rows], query), query
        )
        snippets = dict(found.values_list("pk", "search_snippet"))
    for row in rows:
        row.snippet_html = marked(snippets.get(row.pk, ""))
    return rows


def marked(snippet):
    """The backend's snippet as HTML: everything escaped, then the matched words in <mark>."""
    html = escape(snippet or "")
    opened = html.count(SNIPPET_START) - html.count(SNIPPET_END)
    html = html.replace(SNIPPET_START, "<mark>").replace(SNIPPET_END, "</mark>")
    return mark_safe(html + "</mark>" * max(opened, 0))


@dataclass
class FacetValue:
    value: object
    label: str
    count: int
    selected: bool
    url: str = ""  # set by the view: this page's address with the value chosen or removed


@dataclass
class Facet:
    name: str  # the URL parameter
    label: str
    values: list = field(default_factory=list)


def facet_filters(kind, params):
    """The narrowing a kind accepts from the URL: parameter → a Q on its records."""
    filters = {}
    if kind == "messages":
        if params.get("sender"):
            filters["sender"] = Q(sender__person__external_id=params["sender"])
        if params.get("channel"):
            filters["channel"] = Q(channel=params["channel"])
        if params.get("status"):
            filters["status"] = Q(text_status=params["status"])
    if kind == "events" and params.get("type"):
        filters["type"] = Q(kind=params["type"])
    if kind in ("messages", "events") and params.get("year"):
        filters["year"] = Q(date_earliest__year=params["year"])
    if params.get("collection"):
        # Keep to one collection (archive/models/collections.py): its messages and events,
        # the people and sources they name, the notes on them.
        filters["collection"] = _in_collection(kind, params["collection"])
    if kind == "notes" and params.get("tag"):
        from annotations.filters import tag_condition

        filters["tag"] = tag_condition(params["tag"])
    return filters


def _in_collection(kind, external_id):
    if kind == "messages":
        return Q(thread__collection__external_id=external_id)
    if kind == "events":
        return Q(collection__external_id=external_id)
    if kind == "notes":
        return Q(message__thread__collection__external_id=external_id) | Q(
            event__collection__external_id=external_id
        )
    collection = Collection.objects.filter(external_id=external_id).first()
    if collection is None:
        return Q(pk__in=[])
    model = Person if kind == "people" else Source
    return Q(pk__in=collection.named(model.objects.all()).values("pk"))


def facets(kind, queryset, params):
    """Facet values with counts over (at most FACET_LIMIT of) the matches: (facets, complete)."""
    rows = None
    if kind == "messages":
        rows = list(
            queryset.order_by().values_list(
                "sender__person__external_id",
                "sender__person__name",
                "channel",
                "date_earliest__year",
                "text_status",
            )[: FACET_LIMIT + 1]
        )
        found = [
            _facet("sender", "Sender", Counter((r[0], r[1]) for r in rows), params),
            _facet("channel", "Channel", _labelled(rows, 2, Message.Channel), params),
            _facet("year", "Year", Counter((r[3], str(r[3])) for r in rows if r[3]), params),
            _facet("status", "Text status", _labelled(rows, 4, Message.TextStatus), params),
        ]
    elif kind == "events":
        rows = list(
            queryset.order_by().values_list("kind", "date_earliest__year")[: FACET_LIMIT + 1]
        )
        found = [
            _facet("type", "Kind of event", _labelled(rows, 0, Event.Kind), params),
            _facet("year", "Year", Counter((r[1], str(r[1])) for r in rows if r[1]), params),
        ]
    elif kind == "notes":
        rows = list(queryset.order_by().values_list("tags", flat=True)[: FACET_LIMIT + 1])
        tags = Counter((tag, tag) for tags in rows for tag in (tags or []))
        found = [_facet("tag", "Note tag", tags, params)]
    else:
        return [], True
    complete = len(rows) <= FACET_LIMIT
    return [facet for facet in found if facet.values], complete


def _labelled(rows, index, choices):
    labels = dict(choices.choices)
    return Counter((r[index], labels.get(r[index], r[index])) for r in rows)


def _facet(name, label, counter, params, limit=12):
    selected = str(params.get(name) or "")
    values = [
        FacetValue(value, text, count, str(value) == selected)
        for (value, text), count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0][1])))
    ][:limit]
    return Facet(name, label, values)


@dataclass
class Section:
    """One kind's share of the results: how many match, and the rows shown."""

    kind: Kind
    count: int
    exact: bool
    hits: list = field(default_factory=list)
    ranked_among: int | None = None


@dataclass
class Results:
    tabs: list
    kind: Kind | None = None
    hits: list = field(default_factory=list)
    facets: list = field(default_factory=list)
    facets_complete: bool = True
    count: int = 0
    exact: bool = True
    page: int = 1
    first: int = 0
    has_next: bool = False
    page_limited: bool = False
    keyset_page: object = None
    facet_limit: int = FACET_LIMIT
    ranked_among: int | None = None

    @property
    def last(self):
        return self.first + len(self.hits) - 1

    @property
    def total(self):
        return sum(tab.count for tab in self.tabs)

    @property
    def total_exact(self):
        return all(tab.exact for tab in self.tabs)

    @property
    def sections(self):
        return [tab for tab in self.tabs if tab.hits]


def search(query, params, user):
    """Run a parsed query for this reader: counts per kind, then one kind's page (or previews)."""
    sort = params.get("sort") or "relevance"
    ranked = sort == "relevance" and query.has_words
    # Counting is driven by the word index; a page in date order may walk the date index.
    found = {kind.slug: matching(visible_records(kind.slug, user), query) for kind in KINDS}
    in_order = {
        kind.slug: found[kind.slug]
        if ranked
        else matching(visible_records(kind.slug, user), query, in_order=True)
        for kind in KINDS
    }
    tabs = [
        Section(kind, *_shared(kind.slug, query, {}, "count", bounded_count, found[kind.slug]))
        for kind in KINDS
    ]
    kind = KINDS_BY_SLUG.get(params.get("kind") or "")
    if kind is None:
        for tab in tabs:
            if tab.count:
                rows = _ordered_rows(in_order[tab.kind.slug], tab, query, sort)
                tab.hits = with_snippets(rows[:PREVIEW_PER_KIND], query)
        return Results(tabs=tabs)

    chosen = facet_filters(kind.slug, params)
    narrowed, narrowed_in_order = found[kind.slug], in_order[kind.slug]
    for condition in chosen.values():
        narrowed = narrowed.filter(condition)
        narrowed_in_order = narrowed_in_order.filter(condition)
    chosen = {name: params[name] for name in chosen}
    results = Results(tabs=tabs, kind=kind)
    results.count, results.exact = _shared(
        kind.slug, query, chosen, "count", bounded_count, narrowed
    )
    results.facets, results.facets_complete = _shared(
        kind.slug, query, chosen, "facets", lambda qs: facets(kind.slug, qs, params), narrowed
    )
    section = Section(kind, results.count, results.exact)
    rows = _ordered_rows(narrowed_in_order, section, query, sort)
    if not ranked:
        # In date order a reader may go as deep as they like: pages by cursor, each costing
        # what the first costs (lib/keyset.py).
        results.keyset_page = KeysetPaginator(rows, RESULTS_PER_PAGE).page(params.get("cursor"))
        results.hits = with_snippets(results.keyset_page.object_list, query)
        return results
    page = params.get("page") or 1
    if page > MAX_RELEVANCE_PAGE:
        page, results.page_limited = MAX_RELEVANCE_PAGE, True
    start = (page - 1) * RESULTS_PER_PAGE
    hits = with_snippets(rows[start : start + RESULTS_PER_PAGE + 1], query)
    results.page, results.first = page, start + 1
    results.has_next = len(hits) > RESULTS_PER_PAGE and not (ranked and page >= MAX_RELEVANCE_PAGE)
    results.hits = hits[:RESULTS_PER_PAGE]
    results.ranked_among = section.ranked_among
    return results


def _shared(kind, query, chosen, what, compute, queryset):
    """compute(queryset), shared between readers and pages while the archive is unchanged.

    Counts and facets of the archive's own records are the same for every reader and for every
    page of one search: kept with the cached figures (lib/caching.py), which any change to
    a record makes stale. Notes differ per reader and change without a curator: never shared."""
    if kind == "notes":
        return compute(queryset)
    key = json.dumps([kind, what, query.describe(), sorted(chosen.items())], default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()
    return cached_figures(f"search:{digest}", lambda: compute(queryset))


def _ordered_rows(queryset, section, query, sort):
    """The rows in the chosen order. Ranking every match of a query found many times costs what
    the matches number: past RANK_LIMIT, rank the RANK_LIMIT latest-added ones, and say so."""
    if sort == "relevance" and query.has_words and section.count > RANK_LIMIT:
        queryset = backend().latest_matches(queryset, query, RANK_LIMIT)
        section.ranked_among = RANK_LIMIT
    return ordered(for_display(queryset, section.kind.slug), query, sort)
