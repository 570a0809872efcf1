"""What the pages under test need from one Backchannel archive, printed as JSON.

    DATABASE_URL=… python -m bench.describe REPORT.json DEEP_ROW

Runs inside Django against the archive being measured (SQLite or PostgreSQL): the cursor of the
messages list after row DEEP_ROW (newest first), the page sizes the views use (so Datasette is
asked for as many rows), which of the measured features exist in this checkout, and — when the
archive came from a generator without a report — the records to measure, found in the data.
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

from django.db.models import Count, Q  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from archive import views  # noqa: E402
from archive.models import Account, Message, Thread  # noqa: E402


def route_exists(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def deep_page_query(deep_row):
    """The query string of the list page that starts after row `deep_row`, newest first."""
    try:
        from archive import keyset
    except ImportError:
        keyset = None
    if keyset is None or not hasattr(keyset, "cursor_at_offset"):
        # No keyset paging in this checkout: the same depth by page number (OFFSET).
        return {"query": {"page": deep_row // views.MESSAGES_PER_PAGE + 1}, "kind": "offset"}
    ordered = Message.objects.published().newest_first()
    return {"query": {"cursor": keyset.cursor_at_offset(ordered, deep_row)}, "kind": "cursor"}


def records_from_data():
    """The records to measure, found in the archive (for generators that write no report)."""
    published = Message.objects.published()
    busiest_thread = (
        Thread.objects.annotate(n=Count("messages", filter=Q(messages__is_published=True)))
        .order_by("-n")
        .first()
    )
    busiest_account = (
        Account.objects.annotate(n=Count("sent_messages")).select_related("person").order_by("-n")
    ).first()
    most_noted = (
        published.annotate(
            notes=Count(
                "annotations",
                filter=Q(
                    annotations__visibility="public",
                    annotations__deleted_at__isnull=True,
                    annotations__is_hidden=False,
                ),
            )
        )
        .filter(notes__gt=0)
        .order_by("-notes")
        .first()
    )
    middle = published.order_by("date_earliest")[published.count() // 2]
    month = middle.date_earliest.strftime("%Y-%m")
    return {
        "messages": Message.objects.count(),
        "busiest_thread": busiest_thread.external_id if busiest_thread else None,
        "busy_sender": busiest_account.person.external_id if busiest_account else None,
        "message_with_50_notes": most_noted.external_id if most_noted else None,
        "busy_month": month,
        "common_word": None,
        "rare_word": None,
        "phrase": None,
    }


def main():
    report_path, deep_row = Path(sys.argv[1]), int(sys.argv[2])
    report = json.loads(report_path.read_text()) if report_path.exists() else records_from_data()
    print(
        json.dumps(
            {
                "report": report,
                "published_messages": Message.objects.published().count(),
                "deep_row": deep_row,
                "deep_page": deep_page_query(deep_row),
                "messages_per_page": views.MESSAGES_PER_PAGE,
                "thread_page_size": views.THREAD_PAGE_SIZE,
                "timeline_page_size": views.TIMELINE_PAGE_SIZE,
                "has_search_page": route_exists("/search/"),
            }
        )
    )


if __name__ == "__main__":
    main()
