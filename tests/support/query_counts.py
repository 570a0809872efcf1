"""The number of queries each page makes: the one module every query-count test reads.

PAGE_QUERIES: exact counts per page and reader; QUERY_BOUNDS: upper bounds for what a test
measures with many rows (feeds, the API, the admin, imports). Each line says why.

One line per page, one number per kind of reader. Each count holds for 2 rows and for 200
(`archive_with_rows`), so a page whose queries grow with its rows fails; and it is exact, so a
page that gains a query fails too, until its line here says why it may. Two rows, not one: with
two messages every list on every page has a row, and Django skips a prefetch's query when a list
is empty, which would make a one-row count differ.

Readers: "anonymous" or "member" (signed in, in the group that can read the group notes), each
without notes on the archive or with them ("+notes": public, group and private ones with links).
"""

from datetime import date, timedelta

# fmt: off
# Every page that shows cached figures reads their generation once (lib/caching.py: it is
# kept in the database, so a change on one worker reaches every other): +1 on those pages.
PAGE_QUERIES = {
    # Cold: the busiest conversations and how many there are (2), the counts (4), the chart.
    # (+ the collections the site holds, cached with the figures.)
    "home":           {"anonymous": 11, "anonymous+notes": 12, "member": 13, "member+notes": 14},
    # Its last page (keyset): the exact count (cached after the first request), the end of the
    # dated messages, then the undated ones; a page inside the dated ones reads one query less.
    # + one query per dropdown (sender, recipient, conversation, source) to know if it is short
    # enough to list (cached with the figures: this table counts every page cold), and one for
    # each dropdown's choices.
    # + one query for the page's ids, then one reading those rows whole (lib/keyset.py).
    # + the collections, for the "Collection" dropdown.
    "message_list":   {"anonymous": 17, "anonymous+notes": 17, "member": 19, "member+notes": 19},
    # A record page: + its corrections and what is withheld of it (a message: + its DKIM
    # checks); with notes, + the count and the highlights of the page.
    "message_detail": {"anonymous": 14, "anonymous+notes": 16, "member": 17, "member+notes": 19},
    # Keyset pages in thread order: no count of the thread's messages (the side counts say it).
    "thread":         {"anonymous": 11, "anonymous+notes": 11, "member": 13, "member+notes": 13},
    "timeline":       {"anonymous": 17, "anonymous+notes": 17, "member": 19, "member+notes": 19},
    # A person's page: + four grouped counts per channel (sent, answered by reply links, in
    # conversations without reply links, answered by turn-taking there), cached with the figures.
    "person":         {"anonymous": 17, "anonymous+notes": 17, "member": 19, "member+notes": 19},
    # Sources: what each attests, counted and cut to its first few records (a grouped and a
    # windowed query per kind, cached with the figures); a source's page also reads its first
    # 50 messages.
    # (+ the collections, for the list's "Collection" dropdown.)
    "sources":        {"anonymous": 7, "anonymous+notes": 7, "member": 9, "member+notes": 9},
    "source":         {"anonymous": 9, "anonymous+notes": 9, "member": 11, "member+notes": 11},
    "event":          {"anonymous": 8, "anonymous+notes": 10, "member": 11, "member+notes": 13},
    # Keyset pages: the page is read even when the bounded count finds no note.
    "annotations":    {"anonymous": 3, "anonymous+notes": 5, "member": 5, "member+notes": 7},
    # Signed in: the session and the user, read to mark the response Cache-Control: private.
    # Cold, + one count per section to know whether it needs an index of files (cached).
    "sitemap":        {"anonymous": 16, "anonymous+notes": 16, "member": 18, "member+notes": 18},
    # Search: a bounded count per kind (5), then the rows shown, with their recipients and their
    # snippets (one query each). All kinds: a preview of each kind that matches (here messages).
    # One kind: + one query for the facets (its count is the tab's, with no facet chosen).
    "search":          {"anonymous": 10, "anonymous+notes": 10, "member": 12, "member+notes": 12},
    "search_messages": {"anonymous": 11, "anonymous+notes": 11, "member": 13, "member+notes": 13},
    # The admin, for a curator (the archive loaded from its fixtures; notes with open flags).
    # +1: the import batches for the "By import batch" filter.
    "admin_message_changelist":    {"curator": 10},
    "admin_annotation_changelist": {"curator": 10},
    # Filtered to dead links (tests/archive/test_dead_links_shown.py).
    "admin_source_changelist":     {"curator": 7},
    "admin_sourcelink_changelist": {"curator": 5},
}
# fmt: on

# A note's edit page, for its author: the form, a save, and a stale save (the conflict page).
# Each link the form shows adds the queries Django's model validation makes for it (its unique
# rule and its check constraint, in a savepoint).
EDIT_QUERIES = {"form": 5, "save": 16, "conflict": 19}
QUERIES_PER_LINK = 4

# Upper bounds, for what is measured under load rather than by reader: each holds for the few
# rows and for the many its test builds, so a query per row fails it. One line per thing counted.
# fmt: off
QUERY_BOUNDS = {
    # A note's history for a reader: session, user, the note, the reader's groups, the version
    # ids the reader may see, the versions with their editors. Exact: asserted with ==.
    "annotation_history":            6,
    # The W3C container and one annotation, for a group member: session, user, groups, the page
    # of notes with their links and targets, the count.
    "w3c_container":                 8,
    "w3c_annotation":                8,
    # The admin's message change page: its inlines (discrepancies and their readings) prefetched,
    # whatever their number.
    "admin_message_change":          20,
    # An import batch's review page: its threads with their counts in one query, and one count
    # per kind of record that could depend on it (archive/importing/undo.py), at any size.
    "admin_import_review":           14,
    # The admin's lockouts list (django-axes) for a staff curator.
    "admin_access_attempts":         10,
    # A notes feed (any of its five kinds): its 50 newest entries with authors and targets.
    "notes_feed":                    2,
    # The records feed: messages, events and corrections, newest 50 of each.
    "records_feed":                  4,
    # Importing a mail to 5,000 recipients: accounts and people in bulk, not one by one.
    "import_many_recipients":        100,
    # The people page (tests/archive/test_exports.py's corpus).
    "person_list":                   8,
    # A message or an event with hundreds of notes: one page of notes, the highlights grouped.
    "message_with_many_notes":       18,
    "event_with_many_notes":         10,
    # The data page: releases with their files.
    "data":                          3,
    # /healthz: one query per database check.
    "healthz":                       3,
    # The JSON API, each endpoint with 2 and 60 rows (tests/archive/test_api.py): a list reads the
    # page's ids, the rows, then each prefetched relation once; messages also check once whether
    # the sender, recipient, conversation and source choices are many; sources add what each
    # attests, counted and cut to its first few (a grouped and a windowed query per kind, cached
    # with the figures) instead of a prefetch of every record. messages, sources, source: + the
    # cached figures' generation (lib/caching.py). messages, events, threads: + the collections'
    # ids (one small map per answer); messages, message: + their DKIM checks.
    "api_collections":               2,
    "api_collection":                2,
    "api_messages":                  19,
    "api_message":                   13,
    "api_events":                    10,
    "api_event":                     9,
    "api_people":                    4,
    "api_person":                    3,
    "api_sources":                   7,
    "api_source":                    6,
    "api_threads":                   4,
    "api_thread":                    3,
}
# fmt: on


def archive_with_rows(build, n):
    """n messages in one thread (every other a reply), n events linked to them, two sources.

    Returns (thread, first message, a person who both sent and received, a source, an event).
    """
    from archive.models import Discrepancy, DiscrepancyReading, Event

    thread = build.thread()
    # One side without a handle: pages then name it by its person, which must not cost a query
    # per row.
    a, b = build.account(handle=""), build.account()
    sources = [build.source(), build.source()]
    parent = None
    messages = []
    for i in range(n):
        message = build.message(
            thread=thread,
            sender=a if i % 2 else b,
            recipients=[b if i % 2 else a],
            sources=sources,
            in_reply_to=parent if i % 2 else None,
            day=date(2016, 1, 1) + timedelta(days=i * 3),
        )
        messages.append(message)
        parent = message
        event = Event.objects.create(
            external_id=f"ev{i}-{thread.pk}",
            title=f"Event {i}",
            description="Something",
            date_earliest=message.date_earliest,
            date_latest=message.date_earliest,
        )
        event.sources.set(sources)
        event.messages.set([message])
        event.participants.set([a.person, b.person])
    discrepancy = Discrepancy.objects.create(
        external_id=f"d-{thread.pk}", message=messages[0], field="date", note="Disagree."
    )
    for source in sources:
        DiscrepancyReading.objects.create(discrepancy=discrepancy, source=source, reading="x")
    first_event = Event.objects.filter(messages=messages[0]).get()
    return thread, messages, a.person, sources[0], first_event


def add_notes(users, messages, events, per_record):
    """Public, group and private notes (quotes, tags, a link each) by `author` on each record."""
    from annotations.models import SourceLink
    from tests.support.annotation_helpers import make_annotation, make_group

    group = make_group(users["author"], users["member"], name="Query-count readers")
    for target in [*({"message": m} for m in messages), *({"event": e} for e in events)]:
        for i in range(per_record):
            visibility = ["public", "group", "private"][i % 3]
            message = target.get("message")
            note = make_annotation(
                users["author"],
                **target,
                visibility=visibility,
                group=group if visibility == "group" else None,
                quote_exact=message.text.split()[0] if message and i % 2 else "",
                tags=["a", "b"],
            )
            SourceLink.objects.create(
                annotation=note, url=f"https://example.org/{note.pk}", title="Link"
            )
