"""The pages compared: the same question asked of Backchannel and of Datasette.

Each page has a Backchannel path and, where Datasette has the same page, a Datasette path that
shows as many rows in the same order (Datasette's table view with `_size`, `_sort`/`_sort_desc`,
column filters, `_next` and `_search`). A page whose records or feature this checkout lacks has
a `missing` reason instead of paths, and is reported as not built yet.
"""

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from datasette.utils import tilde_encode

NOT_BUILT = "not built yet"


@dataclass
class Page:
    key: str
    label: str
    backchannel: str | None = None
    datasette: str | None = None
    missing: str | None = None
    # For a search page: the words every result must hold (bench/verify.py checks).
    words: tuple = ()


def _query(path, params):
    return f"{path}?{urlencode(params, quote_via=quote)}" if params else path


def _month_bounds(month):
    first = date.fromisoformat(f"{month}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return first.isoformat(), following.isoformat()


class DatasetteRows:
    """Look-ups in the Datasette export: its ids are Backchannel's, found by external id."""

    def __init__(self, path):
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def id_of(self, table, external_id):
        row = self.connection.execute(
            f"SELECT id FROM {table} WHERE external_id = ?", (external_id,)
        ).fetchone()
        return row[0] if row else None

    def next_token_after(self, row_number):
        """Datasette's `_next` token for the page after row `row_number` of `_sort_desc=date`.

        Its order is (date DESC, id) and its token "<date>,<id>" of the last row shown, each part
        tilde-encoded (datasette.views.table); undated rows sort last with the token "$null".
        """
        row = self.connection.execute(
            "SELECT date, id FROM messages ORDER BY date IS NULL, date DESC, id LIMIT 1 OFFSET ?",
            (row_number - 1,),
        ).fetchone()
        if row is None:
            return None
        sort_value = "$null" if row[0] is None else tilde_encode(str(row[0]))
        return f"{sort_value},{tilde_encode(str(row[1]))}"


def build_pages(described, datasette_rows=None, datasette_name=None):
    """The pages for one archive, from `bench.describe`'s output (and the Datasette export)."""
    report = described["report"]
    per_page = described["messages_per_page"]
    table = f"/{datasette_name}/messages" if datasette_name else None
    ds = datasette_rows

    def datasette_list(**params):
        if table is None:
            return None
        return _query(table, params)

    pages = []

    pages.append(
        Page(
            "list",
            "Messages, newest first",
            "/messages/",
            datasette_list(_sort_desc="date", _size=per_page),
        )
    )

    sender = report.get("busy_sender")
    if sender:
        sender_id = ds.id_of("people", sender) if ds else None
        pages.append(
            Page(
                "sender",
                "Sender filter",
                _query("/messages/", {"sender": sender}),
                datasette_list(sender_id=sender_id, _sort_desc="date", _size=per_page),
            )
        )
    else:
        pages.append(Page("sender", "Sender filter", missing=NOT_BUILT))

    month = report.get("busy_month")
    if month:
        # One month of the list, as a reader narrows it (the report's date_range is the whole
        # archive's span, which would filter nothing out).
        start, following = _month_bounds(month)
        end = (date.fromisoformat(following) - timedelta(days=1)).isoformat()
        pages.append(
            Page(
                "date_range",
                f"Date range (one month, {month})",
                _query("/messages/", {"date_from": start, "date_to": end}),
                datasette_list(date__gte=start, date__lte=end, _sort_desc="date", _size=per_page),
            )
        )
    else:
        pages.append(Page("date_range", "Date range", missing=NOT_BUILT))

    deep_row = described["deep_row"]
    deep = described["deep_page"]
    deep_label = f"Deep page (after row {deep_row:,}, {deep['kind']})"
    pages.append(
        Page(
            "deep_page",
            deep_label,
            _query("/messages/", deep["query"]),
            datasette_list(_sort_desc="date", _size=per_page, _next=ds.next_token_after(deep_row))
            if ds
            else None,
        )
    )

    noted = report.get("message_with_50_notes")
    if noted:
        message_id = ds.id_of("messages", noted) if ds else None
        pages.append(
            Page(
                "message_50_notes",
                "One message with 50 notes (Datasette: its row page)",
                f"/messages/{noted}/",
                f"{table}/{message_id}" if table else None,
            )
        )
    else:
        pages.append(Page("message_50_notes", "One message with 50 notes", missing=NOT_BUILT))

    thread = report.get("busiest_thread")
    if thread:
        thread_id = ds.id_of("threads", thread) if ds else None
        pages.append(
            Page(
                "thread",
                "Thread (first page)",
                f"/threads/{thread}/",
                datasette_list(
                    thread_id=thread_id, _sort="position", _size=described["thread_page_size"]
                ),
            )
        )
    else:
        pages.append(Page("thread", "Thread", missing=NOT_BUILT))

    month = report.get("busy_month")
    if month:
        first, following = _month_bounds(month)
        pages.append(
            Page(
                "timeline_month",
                "Timeline from a month",
                _query("/timeline/", {"start": first}),
                datasette_list(
                    date__gte=first,
                    date__lt=following,
                    _sort="date",
                    _size=described["timeline_page_size"],
                ),
            )
        )
    else:
        pages.append(Page("timeline_month", "Timeline month", missing=NOT_BUILT))

    for key, label, words in (
        ("search_common", "Search: common word", report.get("common_word")),
        ("search_rare", "Search: rare word", report.get("rare_word")),
        ("search_phrase", "Search: phrase", report.get("phrase")),
    ):
        if not words or not described["has_search_page"]:
            pages.append(Page(key, label, missing=NOT_BUILT))
            continue
        # A phrase is asked for in double quotes on both sides (FTS5 phrase syntax).
        query = f'"{words}"' if key == "search_phrase" else words
        pages.append(
            Page(
                key,
                f"{label} ({query})",
                _query("/search/", {"q": query}),
                datasette_list(_search=query, _size=per_page),
                words=tuple(words.split()),
            )
        )

    pages.append(
        Page(
            "floor",
            "Floor: a trivial view (Backchannel /robots.txt; Datasette /-/versions.json)",
            "/robots.txt",
            "/-/versions.json" if table else None,
        )
    )
    return pages
