"""What the pages under test need from one Backchannel archive, printed as JSON.

    DATABASE_URL=… python -m bench.describe REPORT.json DEEP_ROW

Runs inside Django against the archive being measured (SQLite or PostgreSQL): the records to
measure (generate_archive's report), the cursor of the messages list after row DEEP_ROW (newest
first), the page sizes the views use (so Datasette is asked for as many rows) and whether this
checkout has the search page.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.urls import Resolver404, resolve  # noqa: E402

from archive.models import Message  # noqa: E402
from archive.views import messages, threads, timeline  # noqa: E402


def route_exists(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def deep_page_query(deep_row):
    """The query string of the list page that starts after row `deep_row`, newest first."""
    try:
        from lib import keyset
    except ImportError:
        keyset = None
    if keyset is None or not hasattr(keyset, "cursor_at_offset"):
        # No keyset paging in this checkout: the same depth by page number (OFFSET).
        return {"query": {"page": deep_row // messages.MESSAGES_PER_PAGE + 1}, "kind": "offset"}
    ordered = Message.objects.public().newest_first()
    return {"query": {"cursor": keyset.cursor_at_offset(ordered, deep_row)}, "kind": "cursor"}


def main():
    report_path, deep_row = Path(sys.argv[1]), int(sys.argv[2])
    report = json.loads(report_path.read_text())
    print(
        json.dumps(
            {
                "report": report,
                "published_messages": Message.objects.public().count(),
                "deep_row": deep_row,
                "deep_page": deep_page_query(deep_row),
                "messages_per_page": messages.MESSAGES_PER_PAGE,
                "thread_page_size": threads.THREAD_PAGE_SIZE,
                "timeline_page_size": timeline.TIMELINE_PAGE_SIZE,
                "has_search_page": route_exists("/search/"),
            }
        )
    )


if __name__ == "__main__":
    main()
