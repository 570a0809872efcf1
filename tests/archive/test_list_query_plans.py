"""The messages list at scale: each filter, either sort, is served by an index in page order.

A page is read by keyset (lib/keyset.py): the first page, a page from a cursor deep in the
dated messages and a page in the undated ones. Each of those queries must read its rows from an
index in page order, never gather the matching rows and sort them: at a million messages that
sort is the difference between milliseconds and seconds (`manage.py generate_archive`, then
`make bench`).

SQLite says so in its query plan ("USE TEMP B-TREE FOR ORDER BY"); PostgreSQL shows a Sort node.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.filters import MessageFilter
from archive.models import Message
from lib.keyset import KeysetPaginator, cursor_after
from tests.support.annotation_helpers import make_annotation

FILTERS = [
    {},
    {"sender": "sender"},
    {"recipient": "recipient"},
    {"channel": "direct_message"},
    {"thread": "t"},
    {"text_status": "summary"},
    {"date_from": "2016-01-01", "date_to": "2016-12-31"},
    {"answered": "no"},
    {"answered": "yes"},
    {"reply": "yes"},
    {"annotated": "yes"},
    {"annotated": "no"},
    {"tag": "podesta"},
    {"channel": "direct_message", "sender": "sender", "answered": "no"},
]


def sorts_the_rows(sql):
    """Whether the database must sort the rows it found to answer `sql` in order."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            steps = [row[-1] for row in cursor.fetchall()]
            # "… FOR ORDER BY" sorts every matching row; "… FOR RIGHT PART OF ORDER BY" sorts
            # each run of equal dates: both grow with the table.
            return [step for step in steps if "TEMP B-TREE" in step and "ORDER BY" in step]
        # On a table of a few rows PostgreSQL rightly prefers reading it all and sorting, so
        # the plan of a small test table says nothing about a large one. With sequential scans
        # and sorts priced out of reach, a Sort node is left in the plan only when no index can
        # give the rows in this order: exactly what this test is about.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql)
        steps = [row[0] for row in cursor.fetchall()]
        return [step for step in steps if "Sort" in step and "Sort Key" not in step]


def page_queries(queryset, cursor=None):
    """The SQL of the list's own reads (not its prefetches) for one page."""
    with CaptureQueriesContext(connection) as captured:
        KeysetPaginator(queryset, 50).page(cursor)
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "archive_message"."id"') and "LIMIT" in query["sql"]
    ]


@pytest.fixture
def messages(build, users):
    sender = build.account(handle="@s", person=build.person("Sender", external_id="sender"))
    recipient = build.account(
        handle="@r", person=build.person("Recipient", external_id="recipient")
    )
    thread = build.thread(external_id="t")
    dated = build.message(
        thread=thread, sender=sender, recipients=[recipient], day=date(2016, 10, 3)
    )
    undated = build.message(thread=thread, sender=sender, recipients=[recipient], day=None)
    make_annotation(users["author"], message=dated)
    return dated, undated


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("data", FILTERS, ids=lambda data: "&".join(data) or "all")
def test_each_filter_reads_a_page_in_order_without_sorting(messages, data, sort):
    dated, undated = messages
    queryset = Message.objects.public().for_list()
    results = MessageFilter({**data, "sort": sort}, queryset=queryset).qs
    queries = page_queries(results)
    # A page from deep in the dated rows, and one from inside the undated rows.
    queries += page_queries(results, cursor_after(results, dated))
    queries += page_queries(results, cursor_after(results, undated))
    assert queries
    for sql in queries:
        assert not sorts_the_rows(sql), sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT compiler")
def test_postgresql_runs_without_jit(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_words_are_found_through_the_full_text_index(build, sort):
    # A rare word: the FTS5 index yields the matching rows and only they are sorted (never the
    # whole table). A common one walks the list's index in order instead
    # (tests/archive/test_search.py).
    build.message(text="leak")
    queryset = Message.objects.public().for_list()
    page = MessageFilter({"q": "leak", "sort": sort}, queryset=queryset).qs[:50]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        steps = [row[-1] for row in cursor.fetchall()]
    assert steps[0].startswith("SCAN archive_message_fts VIRTUAL TABLE"), steps
    assert not [step for step in steps if step.startswith("SCAN archive_message ")], steps


@pytest.mark.parametrize("query", [{}, {"kind": "messages"}, {"start": "2016-10-01"}])
def test_the_timeline_reads_each_page_of_both_tables_in_index_order(client, build, query):
    """The timeline interleaves messages and events by keyset (lib.keyset.InterleavedPaginator):
    from the start, from a start date, after a message and after an event, each table's page is
    read along an index, never sorted."""
    from archive.views import timeline as views

    thread = build.thread()
    for day in (date(2016, 10, 3), date(2016, 10, 4)):
        build.event(day=day)
        build.message(thread=thread, day=day)
    build.message(thread=thread, day=None)
    build.event(day=None)
    pages = [client.get("/timeline/", query).context["page"]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "TIMELINE_PAGE_SIZE", 1)
        pages.append(client.get("/timeline/", query).context["page"])
        cursors = [pages[-1].next_cursor]
        while cursors[-1]:
            following = client.get("/timeline/", {**query, "cursor": cursors[-1]})
            cursors.append(following.context["page"].next_cursor)
        cursors[-1] = following.context["page"].previous_cursor
        with CaptureQueriesContext(connection) as captured:
            for cursor in [None, *cursors]:
                if cursor:
                    client.get("/timeline/", {**query, "cursor": cursor})
                else:
                    client.get("/timeline/", query)
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith(('SELECT "archive_message"."id"', 'SELECT "archive_event"."id"'))
        and "LIMIT" in query["sql"]
        and "ORDER BY" in query["sql"]
    ]
    assert any("archive_event" in sql for sql in reads) or query.get("kind")
    assert any("archive_message" in sql for sql in reads)
    for sql in reads:
        assert not sorts_the_rows(sql), sql
